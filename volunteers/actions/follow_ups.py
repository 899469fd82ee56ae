"""Follow-ups after a move-in."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from workflow.errors import Conflict

logger = logging.getLogger(__name__)


# Follow-ups after move-in -------------------------------------------------------------------


def schedule_follow_ups(*, match, moved_in_on: date) -> list:
    """Plan the follow-up contacts after a move-in (settings.FOLLOW_UPS: label and days).
    Volunteers follow up private homes; the partner follows up housing company flats."""
    from ..models import FollowUp

    responsible = (
        FollowUp.Responsible.PARTNER if match.home.unit_id else FollowUp.Responsible.VOLUNTEERS
    )
    created = []
    for days, _label in settings.FOLLOW_UPS:
        follow_up, made = FollowUp.objects.get_or_create(
            match=match,
            after_days=days,
            defaults={"due_on": moved_in_on + timedelta(days=days), "responsible": responsible},
        )
        if made:
            created.append(follow_up)
    return created


def complete_follow_up(*, follow_up, user: User, note: str) -> None:
    from ..models import FollowUp

    updated = FollowUp.objects.filter(pk=follow_up.pk, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=user, note=(note or "").strip()[:2000]
    )
    if not updated:
        raise Conflict(_("This follow-up is already done."))
