"""Which partners a visited home may be referred to: those of the partnerships that cover the
home's municipality (the one rule; ``hosts.actions.refer_home`` refuses any other partner, and
the volunteers' referrals page and the admin's refer step offer only these).

A partnership covers a home when it is current or not yet ended (``period_end`` today or
later), names the home's municipality among its municipalities, and is the home's local group's:
it names that group, or names no group and is the group's organisation's. A home no local group
covers (a national coordinator's) is covered by any such partnership of its municipality.
"""

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from accounts.models import Organisation

from .models import Partnership


def referral_partners_by_home(homes: Iterable, *, today: date | None = None) -> dict[int, list]:
    """For each home, the partners it may be referred to (by name), in one query however many
    homes: ``{home.pk: [Organisation, …]}``. ``home.local_group`` is read for a home with a
    group (select it with the homes)."""
    homes = list(homes)
    today = today or timezone.localdate()
    codes = {home.municipality_id for home in homes if home.municipality_id}
    if not codes:
        return {home.pk: [] for home in homes}
    coverage = (
        Partnership.municipalities.through.objects.filter(
            municipality_id__in=codes,
            partnership__period_end__gte=today,
            partnership__partner__kind=Organisation.Kind.PARTNER,
        )
        .select_related("partnership__partner")
        .order_by("partnership__partner__name", "partnership__partner_id")
    )
    rows = [
        (
            row.municipality_id,
            row.partnership.local_group_id,
            row.partnership.volunteer_organisation_id,
            row.partnership.partner,
        )
        for row in coverage
    ]
    found = {}
    for home in homes:
        group_id = home.local_group_id
        organisation_id = home.local_group.organisation_id if group_id else None
        partners = {}
        for code, partnership_group_id, volunteer_organisation_id, partner in rows:
            if code != home.municipality_id:
                continue
            if group_id is not None and not (
                partnership_group_id == group_id
                or (partnership_group_id is None and volunteer_organisation_id == organisation_id)
            ):
                continue
            partners.setdefault(partner.pk, partner)
        found[home.pk] = list(partners.values())
    return found


def referral_partners(home, *, today: date | None = None) -> list:
    """The partners this home may be referred to (see the module); empty when no partnership
    covers its municipality yet."""
    return referral_partners_by_home([home], today=today)[home.pk]
