"""Before local groups, every volunteer worked one shared call queue. Each volunteer organisation
with people gets one local group named after it, its people and campaigns join it, and the group
covers the municipalities of the homes its people worked on (where one organisation only: every
municipality a home is in). Hosts' homes are then routed by their municipality, with a hand-over
row each, and pending volunteer applications by the area they gave when it names a municipality.
Coordinators split a group or change its municipalities in the admin afterwards."""

from collections import Counter

from django.db import migrations
from django.db.models import Q


def route(apps, schema_editor):
    from municipalities.names import default_index, find_code

    organisation_model = apps.get_model("accounts", "Organisation")
    group_model = apps.get_model("accounts", "LocalGroup")
    coverage_model = apps.get_model("accounts", "GroupMunicipality")
    user_model = apps.get_model("accounts", "User")
    home_model = apps.get_model("hosts", "Home")
    entry_model = apps.get_model("volunteers", "QueueEntry")
    campaign_model = apps.get_model("volunteers", "Campaign")
    application_model = apps.get_model("volunteers", "VolunteerApplication")
    call_model = apps.get_model("volunteers", "CallAttempt")
    hand_over_model = apps.get_model("volunteers", "HandOver")

    groups = {}
    for organisation in organisation_model.objects.filter(kind="volunteer_organisation"):
        if not user_model.objects.filter(organisation=organisation).exists():
            continue
        name = organisation.name
        if group_model.objects.filter(name=name).exists():
            name = f"{organisation.name} ({organisation.pk})"
        group = group_model.objects.create(organisation=organisation, name=name)
        groups[organisation.pk] = group
        user_model.objects.filter(organisation=organisation, local_group__isnull=True).update(
            local_group=group
        )
        campaign_model.objects.filter(organisation=organisation).update(local_group=group)
    if not groups:
        return

    codes = set(
        home_model.objects.filter(host__isnull=False, municipality__isnull=False).values_list(
            "municipality_id", flat=True
        )
    )
    for code in sorted(codes):
        if coverage_model.objects.filter(municipality_id=code).exists():
            continue
        if len(groups) == 1:
            group = next(iter(groups.values()))
        else:
            calls = Counter(
                call_model.objects.filter(
                    home__municipality_id=code, volunteer__organisation_id__in=list(groups)
                ).values_list("volunteer__organisation_id", flat=True)
            )
            if not calls:
                continue
            group = groups[calls.most_common(1)[0][0]]
        coverage_model.objects.create(group=group, municipality_id=code)

    covering = dict(coverage_model.objects.values_list("municipality_id", "group_id"))
    for home in home_model.objects.filter(host__isnull=False, local_group__isnull=True).filter(
        ~Q(municipality__isnull=True)
    ):
        group_id = covering.get(home.municipality_id)
        if group_id is None:
            continue
        home_model.objects.filter(pk=home.pk).update(local_group_id=group_id)
        entry_model.objects.filter(home_id=home.pk).update(local_group_id=group_id)
        hand_over_model.objects.create(
            home_id=home.pk,
            kind="routed",
            to_group_id=group_id,
            reason="Routed by the home's municipality when local groups began.",
        )

    index = default_index()
    for application in application_model.objects.filter(status="pending"):
        code = find_code(application.area, index)
        if code is None:
            continue
        application_model.objects.filter(pk=application.pk).update(
            municipality_id=code, local_group_id=covering.get(code)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0007_local_groups_and_hand_overs"),
        ("hosts", "0009_municipality_codes_and_local_groups"),
        ("accounts", "0012_local_groups"),
    ]

    operations = [migrations.RunPython(route, migrations.RunPython.noop, elidable=True)]
