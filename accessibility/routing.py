"""Who receives an accessibility report, and so who may read it: one rule, used both when a
report is sent (``recipients``) and when the admin lists reports (``visible_filter``)."""

from django.db.models import F, Q

from accounts import roles
from accounts.models import GroupMunicipality, Organisation, User
from accounts.scoping import role_names, sees_everything


def local_people(municipality):
    """The partner coordinators of the municipality's own partners, and the volunteer
    coordinators of the local group covering it."""
    group_ids = GroupMunicipality.objects.filter(municipality=municipality).values("group_id")
    return User.objects.filter(
        Q(
            groups__name=roles.PARTNER_COORDINATOR,
            organisation__kind=Organisation.Kind.PARTNER,
            organisation__municipality=municipality,
        )
        | Q(
            groups__name=roles.VOLUNTEER_COORDINATOR,
            organisation__kind=Organisation.Kind.VOLUNTEER_ORGANISATION,
            local_group_id__in=group_ids,
            local_group__organisation_id=F("organisation_id"),
        ),
        is_active=True,
    )


def national_people():
    """The national coordinators of the volunteer organisations."""
    return User.objects.filter(
        groups__name=roles.NATIONAL_COORDINATOR,
        organisation__kind=Organisation.Kind.VOLUNTEER_ORGANISATION,
        is_active=True,
    ).filter(groups__name=roles.VOLUNTEER_COORDINATOR)


def administrators():
    return User.objects.filter(is_superuser=True, is_active=True)


def recipients(municipality):
    """``(route, people)``: the first of the local people (when a municipality is given), the
    national coordinators and the superusers of whom anyone has an e-mail address."""
    from .models import AccessibilityReport

    Route = AccessibilityReport.Route
    steps = [(Route.NATIONAL, national_people()), (Route.ADMINISTRATORS, administrators())]
    if municipality is not None:
        steps.insert(0, (Route.LOCAL, local_people(municipality)))
    for route, people in steps:
        reachable = list(people.exclude(email="").distinct().order_by("pk"))
        if reachable:
            return route, reachable
    return Route.ADMINISTRATORS, []


def visible_filter(user) -> Q | None:
    """A filter on reports for ``user``, None for all of them (the data protection officer and
    superusers): the local reports of their own municipality (a partner coordinator) or their
    own group's municipalities (a volunteer coordinator), and the reports that went to the
    national coordinators (a national coordinator)."""
    if sees_everything(user):
        return None
    condition = Q(pk__in=[])
    if not user.is_authenticated or not user.is_active:
        return condition
    names = role_names(user)
    organisation = getattr(user, "organisation", None)
    kind = organisation.kind if organisation else None
    if (
        roles.PARTNER_COORDINATOR in names
        and kind == Organisation.Kind.PARTNER
        and organisation.municipality_id
    ):
        condition |= Q(routed_to="local", municipality_id=organisation.municipality_id)
    if roles.VOLUNTEER_COORDINATOR in names and kind == Organisation.Kind.VOLUNTEER_ORGANISATION:
        group = user.local_group
        if group is not None and group.organisation_id == organisation.pk:
            condition |= Q(routed_to="local", municipality__coverage__group_id=group.pk)
        if roles.NATIONAL_COORDINATOR in names:
            condition |= Q(routed_to="national")
    return condition
