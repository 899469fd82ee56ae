"""A local group's public "volunteers wanted" notice: published and taken down by the group's
volunteer coordinators. The only writers of ``VolunteersWanted``."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hosts.languages import LANGUAGE_CHOICES
from workflow.errors import Invalid, NotAllowed

from ..models import VolunteersWanted
from ..reach import may_organise

MESSAGE_MAX_LENGTH = 1000


def publish_volunteers_wanted(
    *,
    local_group,
    user,
    needs: list[str],
    languages: list[str] | None = None,
    message: str = "",
    shown_from: date | None = None,
    shown_until: date | None = None,
) -> VolunteersWanted:
    """Say publicly that the group needs volunteers, and for what (phoning, visits, follow-ups,
    languages: which ones). Shown on the page of each of the group's municipalities from
    ``shown_from`` (today if not given) until ``shown_until`` (empty: until taken down). The
    group's notice shown until now is taken down: a group has one notice at a time."""
    if not may_organise(user, local_group=local_group):
        raise NotAllowed(_("You are not allowed to take this step."))
    needs = list(dict.fromkeys(needs or []))
    if not needs or any(need not in VolunteersWanted.Need.values for need in needs):
        raise Invalid(_("Choose what the group needs volunteers for."))
    known = dict(LANGUAGE_CHOICES)
    languages = list(dict.fromkeys(languages or []))
    if any(code not in known for code in languages):
        raise Invalid(_("Choose the languages from the list."))
    if VolunteersWanted.Need.LANGUAGES in needs and not languages:
        raise Invalid(_("Choose the languages the group needs."))
    if VolunteersWanted.Need.LANGUAGES not in needs:
        languages = []
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise Invalid(_("Please keep the message to 1,000 characters."))
    today = timezone.localdate()
    shown_from = shown_from or today
    if shown_from < today:
        raise Invalid(_("The first day cannot be in the past."))
    if shown_until is not None and shown_until < shown_from:
        raise Invalid(_("The last day cannot be before the first."))
    with transaction.atomic():
        for current in _current_notices(local_group).select_for_update():
            _take_down(current)
        return VolunteersWanted.objects.create(
            local_group=local_group,
            needs=needs,
            languages=languages,
            message=message,
            shown_from=shown_from,
            shown_until=shown_until,
            created_by=user,
        )


def take_down_volunteers_wanted(*, notice: VolunteersWanted, user) -> VolunteersWanted:
    """Take a notice down: it is no longer shown from today (its last day becomes yesterday).
    A notice already taken down, or past its last day, is left as it is."""
    if not may_organise(user, local_group=notice.local_group):
        raise NotAllowed(_("You are not allowed to take this step."))
    with transaction.atomic():
        locked = VolunteersWanted.objects.select_for_update().get(pk=notice.pk)
        _take_down(locked)
    notice.shown_until = locked.shown_until
    return notice


def _current_notices(local_group):
    today = timezone.localdate()
    return VolunteersWanted.objects.filter(local_group=local_group).filter(
        Q(shown_until__isnull=True) | Q(shown_until__gte=today)
    )


def _take_down(notice: VolunteersWanted) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    if notice.shown_until is None or notice.shown_until > yesterday:
        notice.shown_until = yesterday
        notice.save(update_fields=["shown_until"])
