"""Tagged links (``Source``): made by a local group's or a partner's coordinators, retired when
the poster comes down. The only writers of a tagged link."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.errors import Invalid, NotAllowed

from ..models import InformationMeeting, Source, new_code
from ..reach import may_organise

# Seven letters from 31: a collision is rare (one in 27 billion per pair); a few tries suffice.
CODE_ATTEMPTS = 5


def make_tagged_link(
    *,
    kind: str,
    target: str,
    label: str,
    user,
    local_group=None,
    partner=None,
    meeting: InformationMeeting | None = None,
) -> Source:
    """Make a tagged link (a short address and its QR code) for a meeting, poster,
    advertisement or post of a local group or a partner (exactly one). A link of the kind
    "meeting" names one of the organiser's own meetings; no other kind names one. The short code
    is drawn at random; on the rare collision with an existing one, another is drawn."""
    if (local_group is None) == (partner is None):
        raise Invalid(_("Choose the local group or the partner the link is for."))
    if not may_organise(user, local_group=local_group, partner=partner):
        raise NotAllowed(_("You are not allowed to take this step."))
    if kind not in Source.Kind.values:
        raise Invalid(_("Choose what the link is for."))
    if target not in Source.Target.values:
        raise Invalid(_("Choose which sign-up the link opens."))
    label = (label or "").strip()
    if not label:
        raise Invalid(_("Give the link a name, e.g. “Poster at the library, March”."))
    if kind == Source.Kind.MEETING:
        if meeting is None:
            raise Invalid(_("Choose the meeting the link is shown at."))
        same_organiser = (
            meeting.local_group_id == local_group.pk
            if local_group is not None
            else meeting.partner_id == partner.pk
        )
        if not same_organiser:
            raise Invalid(_("Choose one of your own meetings."))
    elif meeting is not None:
        raise Invalid(_("Only a link for a meeting names a meeting."))
    for attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Source.objects.create(
                    code=new_code(),
                    kind=kind,
                    target=target,
                    label=label[:200],
                    meeting=meeting,
                    local_group=local_group,
                    partner=partner,
                    created_by=user,
                )
        except IntegrityError:
            # Only the code is unique; anything else would fail the same way every time.
            if attempt == CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def retire_tagged_link(*, source: Source, user) -> Source:
    """Retire a tagged link: from now on it opens the sign-up without its source (a poster left
    up still works), and no new registration is counted for it. Those that came through it keep
    it. Retiring a retired link changes nothing."""
    if not may_organise(user, local_group=source.local_group, partner=source.partner):
        raise NotAllowed(_("You are not allowed to take this step."))
    Source.objects.filter(pk=source.pk, retired_at__isnull=True).update(retired_at=timezone.now())
    source.refresh_from_db(fields=["retired_at"])
    return source
