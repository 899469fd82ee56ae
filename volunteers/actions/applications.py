"""Joining as a volunteer: applications, approval and decline."""

import logging
import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from accounts.models import LocalGroup, User
from accounts.scoping import group_reach
from municipalities.models import Municipality
from notifications.actions import queue_email
from workflow.errors import Conflict, Invalid, NotAllowed
from workflow.models import ActorKind

from ..models import (
    VolunteerApplication,
    VolunteerProfile,
)
from ..notice import NOTICE_VERSION
from ..workflow import APPLICATION_WORKFLOW

logger = logging.getLogger(__name__)


# Joining -----------------------------------------------------------------------------------


def apply_to_volunteer(
    *,
    name: str,
    email: str,
    phone,
    languages: list[str],
    area: str,
    availability: str,
    motivation: str,
    language: str,
    municipality: Municipality | str | None = None,
    source=None,
) -> VolunteerApplication:
    """Someone applies through the public form: the application waits for a coordinator of the
    local group covering the municipality they gave (``covering_group``). One no group covers
    (or without a municipality) waits for the national coordinators of the organisations that
    take what no group covers (``applications_for``). ``source``: the tagged link
    (``outreach.Source``) the application came through; a retired one, or one for the host
    sign-up, is not kept."""
    from .groups import covering_group

    now = timezone.now()
    code = getattr(municipality, "pk", municipality) or None
    application = VolunteerApplication.objects.create(
        name=name,
        email=email,
        phone=phone,
        languages=languages,
        area=area,
        municipality_id=code,
        local_group=covering_group(code),
        availability=availability,
        motivation=motivation,
        language=language,
        consent_notice_version=NOTICE_VERSION,
        consent_given_at=now,
        source=source if source is not None and _live_for_volunteers(source) else None,
    )
    # The applicant has no account: the first row is the portal's, as for a host's sign-up.
    APPLICATION_WORKFLOW.log_created(application, actor_kind=ActorKind.SYSTEM)
    return application


def _live_for_volunteers(source) -> bool:
    return source.retired_at is None and source.target == "volunteer"


def approve_application(
    *, application: VolunteerApplication, user: User, local_group: LocalGroup | None = None
) -> User:
    """Create the volunteer's account, in the application's local group and its organisation,
    and e-mail them a link to choose a password. An application no group covers joins the group
    the (national) coordinator chooses, ``local_group``, one of the groups they reach."""
    with transaction.atomic():
        locked = VolunteerApplication.objects.select_for_update().get(pk=application.pk)
        # Whoever does not decide it is refused before being told anything about it.
        if not _decides(user, locked):
            raise NotAllowed(_("You are not allowed to take this step."))
        if locked.status != VolunteerApplication.Status.PENDING:
            raise Conflict(_("This application has already been decided."))
        group = locked.local_group or local_group
        if group is None:
            raise Invalid(_("Choose the local group the new volunteer joins."))
        group_ids, _uncovered = group_reach(user)
        if group_ids is not None and group.pk not in group_ids:
            raise NotAllowed(_("You are not allowed to take this step."))
        username = _new_username(locked.email)
        first, _sep, last = locked.name.partition(" ")
        account = User.objects.create_user(
            username=username,
            email=locked.email,
            first_name=first[:150],
            last_name=last[:150],
            organisation_id=group.organisation_id,
            local_group=group,
            language=locked.language,
        )
        account.set_unusable_password()
        account.save(update_fields=["password"])
        account.groups.add(Group.objects.get(name=roles.VOLUNTEER))
        VolunteerProfile.objects.create(
            user=account,
            phone=locked.phone,
            languages=locked.languages,
            area=locked.area,
            availability=locked.availability,
        )
        APPLICATION_WORKFLOW.apply(
            locked,
            "approve",
            user=user,
            changes={
                "reviewed_by": user,
                "reviewed_at": timezone.now(),
                "user": account,
                "local_group": group,
            },
        )
        uid = urlsafe_base64_encode(force_bytes(account.pk))
        token = default_token_generator.make_token(account)
        queue_email(
            to=account.email,
            template="volunteer_welcome",
            context={
                "name": locked.name,
                "username": username,
                "set_password_url": settings.SITE_URL
                + reverse("password_reset_confirm", args=[uid, token]),
                "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            },
            language=locked.language,
        )
    return account


def _decides(user: User, application: VolunteerApplication) -> bool:
    """Whether ``user`` decides this application: a coordinator of its local group (a national
    coordinator of the group's organisation); one no group covers, a national coordinator of an
    organisation that takes what no group covers (``accounts.scoping.group_reach``)."""
    group_ids, uncovered = group_reach(user)
    if group_ids is None:
        return True
    if application.local_group_id is None:
        return uncovered
    return application.local_group_id in group_ids


# Letters and digits that cannot be mistaken for each other when read from an e-mail on a phone.
_HANDLE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _new_username(email: str) -> str:
    """A readable random handle such as ``v-k7mq-3xtd`` (40 random bits), told to the volunteer
    in the welcome e-mail: nothing in it comes from their name or e-mail address, so nobody can
    guess a volunteer's user name from what they know about them."""
    local_part = email.split("@")[0].lower()
    while True:
        random = "".join(secrets.choice(_HANDLE_ALPHABET) for _ in range(8))
        candidate = f"v-{random[:4]}-{random[4:]}"
        if len(local_part) >= 3 and local_part in random:
            continue
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate


def decline_application(*, application: VolunteerApplication, user: User, reason: str) -> None:
    with transaction.atomic():
        locked = VolunteerApplication.objects.select_for_update().get(pk=application.pk)
        # Whoever does not decide it is refused before being told anything about it.
        if not _decides(user, locked):
            raise NotAllowed(_("You are not allowed to take this step."))
        if locked.status != VolunteerApplication.Status.PENDING:
            raise Conflict(_("This application has already been decided."))
        # The reason stays on the application, where retention removes it with the rest of the
        # applicant's data; the history keeps only the step.
        APPLICATION_WORKFLOW.apply(
            locked,
            "decline",
            user=user,
            changes={
                "decline_reason": (reason or "").strip()[:300],
                "reviewed_by": user,
                "reviewed_at": timezone.now(),
            },
        )
        queue_email(
            to=locked.email,
            template="volunteer_declined",
            context={"name": locked.name},
            language=locked.language,
        )


# The introduction meeting -------------------------------------------------------------------


def record_introduction(
    *, volunteer: User, user: User, met_on: date | None = None
) -> VolunteerProfile:
    """A coordinator met the volunteer (introduktionsträff) on ``met_on`` (today if not given):
    from now on the volunteer reaches hosts' personal data (the call queue, visits and check-ins,
    ``selectors.awaiting_introduction``). Recorded once, by a coordinator who reaches the
    volunteer's local group, never for a day in the future or before the volunteer was approved."""
    today = timezone.localdate()
    met_on = met_on or today
    with transaction.atomic():
        profile = (
            VolunteerProfile.objects.select_for_update()
            .select_related("user")
            .filter(user_id=volunteer.pk)
            .first()
        )
        group_ids, _uncovered = group_reach(user)
        in_reach = group_ids is None or (
            profile is not None and profile.user.local_group_id in group_ids
        )
        if not has_role(user, roles.VOLUNTEER_COORDINATOR) or not in_reach or profile is None:
            raise NotAllowed(_("You are not allowed to take this step."))
        if profile.met_on is not None:
            raise Conflict(_("The introduction meeting is already recorded."))
        if met_on > today:
            raise Invalid(_("The meeting cannot be in the future."))
        approved = (
            VolunteerApplication.objects.filter(
                user_id=volunteer.pk, status=VolunteerApplication.Status.APPROVED
            )
            .values_list("reviewed_at", flat=True)
            .first()
        )
        if approved is not None and met_on < timezone.localdate(approved):
            raise Invalid(_("The meeting cannot be before the application was approved."))
        profile.met_on = met_on
        profile.met_by = user
        profile.save(update_fields=["met_on", "met_by"])
    return profile
