"""What happens to hosts and their offers: registration, confirmation, self-service, erasure."""

import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.emails import canonical_email, canonical_email_or_none
from notifications.actions import queue_email
from notifications.models import OutboundEmail
from workflow.engine import roles_of
from workflow.errors import Conflict, Invalid, NotAllowed
from workflow.models import ActorKind

from .models import ErasureRecord, Home, HomeTransition, Host
from .workflow import HOME_WORKFLOW, TRANSITIONS

logger = logging.getLogger(__name__)

CONFIRM_SALT = "hosts.confirm"
SELF_SERVICE_SALT = "hosts.self-service"

# Fields of the offer that self-service may change (defined once, on the model).
OFFER_FIELDS = Home.OFFER_FIELDS
FREE_TEXT_OFFER_FIELDS = [
    "street_address",
    "postcode",
    "household_description",
    "pets_description",
    "other_languages",
    "accessibility_notes",
    "hopes",
]


class InvalidLink(Exception):
    """A link that is broken, expired, or for an offer that no longer exists."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def locate(home: Home):
    """The place of the home, from the municipality the host gave (and the partner's districts
    once the home is referred)."""
    from matching.places import resolve_place

    return resolve_place(
        municipality_name(home), partner_id=home.partner_id, municipality=home.municipality_id
    )


def choose_municipality(*, home: Home, municipality) -> Home:
    """Set the municipality of a home (a coordinator choosing it for an old registration whose
    text could not be read, or correcting it): the home's place follows, and a home that no
    group has yet goes to the group covering the municipality. A home that has a group keeps
    it (moving it is a hand-over)."""
    from reports.daily import mark_homes_changed
    from volunteers.actions import route_home

    with transaction.atomic():
        locked = lock_home(home)
        locked.municipality = municipality
        locked.place = locate(locked)
        locked.save(update_fields=["municipality", "place", "updated_at"])
        route_home(home=locked)
        # No history row says so: the stored counts read this home live until their refresh.
        mark_homes_changed([locked.pk])
    home.municipality, home.place, home.local_group = (
        locked.municipality,
        locked.place,
        locked.local_group,
    )
    return locked


def municipality_name(home: Home) -> str:
    """The name of the home's municipality as people say it ("Malmö"), or the text an old
    registration gave where it is still to be chosen."""
    return home.municipality_label


# Links -----------------------------------------------------------------------------------------

# What a link's token holds: the host's number, a fingerprint of the address it was sent to, and
# the host's link version when it was made. A newer self-service link, a withdrawal or an erasure
# raises the version, so every older link (the confirmation link too) stops working.


def _address_fingerprint(host: Host) -> str:
    # A link stops working when the address it was sent to is no longer the host's (erasure).
    return salted_hmac("hosts.link-address", host.email).hexdigest()[:16]


def _current_link_version(host: Host) -> int:
    version = Host.objects.filter(pk=host.pk).values_list("link_version", flat=True).first()
    return version or 1


def make_link_token(host: Host, *, purpose: str, version: int | None = None) -> str:
    """A token for the host's current link version (issuing one does not replace older links;
    ``issue_self_service_link`` does). ``version``: the host's link version when the caller has
    just written the row in its own transaction (a registration); otherwise it is read."""
    salt = CONFIRM_SALT if purpose == "confirm" else SELF_SERVICE_SALT
    if version is None:
        version = _current_link_version(host)
    payload = {"h": host.pk, "a": _address_fingerprint(host), "v": version}
    return signing.dumps(payload, salt=salt)


def host_from_token(token: str, *, purpose: str) -> Host:
    if purpose == "confirm":
        salt, max_age = CONFIRM_SALT, settings.HOST_CONFIRM_LINK_MAX_AGE
    else:
        salt, max_age = SELF_SERVICE_SALT, settings.HOST_SELF_SERVICE_LINK_MAX_AGE
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidLink(_("This link has expired. Ask for a new one below.")) from None
    except signing.BadSignature:
        raise InvalidLink(_("This link is not valid. Ask for a new one below.")) from None
    if not isinstance(payload, dict):
        raise InvalidLink(_("This link is not valid. Ask for a new one below."))
    host = Host.objects.filter(pk=payload.get("h"), erased_at__isnull=True).first()
    if host is None or payload.get("a") != _address_fingerprint(host):
        raise InvalidLink(_("This link is no longer valid. Ask for a new one below."))
    # Links made before versions existed carry none: they count as the first version.
    if payload.get("v", 1) != host.link_version:
        raise InvalidLink(
            _(
                "This link has been replaced by a newer one, or the offer was withdrawn. "
                "Ask for a new link below."
            )
        )
    return host


def revoke_links(*, host: Host) -> None:
    """Every link already sent to the host stops working (withdrawal, erasure)."""
    Host.objects.filter(pk=host.pk).update(link_version=F("link_version") + 1)
    host.refresh_from_db(fields=["link_version"])


def self_service_url(host: Host) -> str:
    """The self-service link of the host's current version (older links keep working)."""
    token = make_link_token(host, purpose="self_service")
    return settings.SITE_URL + reverse("hosts:open_link", args=[token])


def issue_self_service_link(*, host: Host) -> str:
    """A new self-service link for the host: the links sent before it stop working."""
    revoke_links(host=host)
    return self_service_url(host)


# Registration ----------------------------------------------------------------------------------


def register_host(
    *,
    name: str,
    email: str,
    phone: Any,
    language: str,
    offer: dict[str, Any],
    consent_language: str,
    source=None,
) -> Host:
    """Save a registration (intresseanmälan) and send the e-mail that confirms the address.

    The registration stays unconfirmed, and no volunteer sees it, until the link is followed.
    The address is kept in its canonical form (``accounts.emails``). ``source``: the tagged link
    (``outreach.Source``) the sign-up came through, kept on the home beside the "how did you
    hear" answer as given; a retired link, or one for the volunteer application, is not kept.
    """
    from volunteers.actions import route_home
    from volunteers.selectors import first_contact

    try:
        email = canonical_email(email)
    except ValidationError as exc:
        raise Invalid(exc.messages[0]) from None
    now = timezone.now()
    with transaction.atomic():
        host = Host.objects.create(
            name=name,
            email=email,
            phone=phone,
            language=language,
            consent_notice_version=settings.PRIVACY_NOTICE_VERSION,
            consent_given_at=now,
            consent_language=consent_language,
        )
        home = Home(host=host, **{k: offer[k] for k in OFFER_FIELDS if k in offer})
        if source is not None and source.retired_at is None and source.target == "host":
            home.source = source
        home.place = locate(home)
        home.save()
        route_home(home=home)
        HomeTransition.objects.create(
            home=home,
            from_state="",
            to_state=Home.Status.REGISTERED,
            actor_kind=HomeTransition.ActorKind.HOST,
        )
        # The host's row was written just above, in this transaction: its version is known.
        token = make_link_token(host, purpose="confirm", version=host.link_version)
        queue_email(
            to=host.email,
            template="host_confirm",
            context={
                "name": host.name,
                "confirm_url": settings.SITE_URL + reverse("hosts:confirm", args=[token]),
                "days": settings.HOST_CONFIRM_LINK_MAX_AGE // 86400,
                # Who will contact the host, and when (told honestly, from the set-up).
                "contact": first_contact(home),
            },
            language=host.language,
        )
    return host


def confirm_registration(*, host: Host) -> bool:
    """Mark the host's e-mail address as confirmed. Returns False if it already was."""
    from volunteers.actions import enqueue_home

    with transaction.atomic():
        updated = Host.objects.filter(pk=host.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now()
        )
        host.refresh_from_db(fields=["confirmed_at"])
        if updated:
            # Now, and only now, the host reaches the volunteers' call queue.
            for home in host.homes.filter(status=Home.Status.REGISTERED):
                enqueue_home(home=home)
    return bool(updated)


# Self-service ----------------------------------------------------------------------------------


def request_self_service_link(*, email: str) -> None:
    """A visitor asks for the link to their offer ("send me my link").

    The same work whether or not the address is known, so the time of the answer tells nothing:
    one task is queued with the canonical address, and the worker looks the address up and
    writes only if a host has it (``send_self_service_link``). An address the canonical form
    refuses is never known, and is queued like any other. (With Celery running eagerly, as on a
    developer's machine, the worker's part runs in the request; production queues it.)
    """
    from .tasks import send_self_service_link_task

    address = canonical_email_or_none(email) or ""
    try:
        send_self_service_link_task.delay(address)
    except Exception:
        # The visitor is told to check their e-mail either way; they can ask again.
        logger.warning("Could not queue a self-service link request: the broker is down.")


def send_self_service_link(*, email: str) -> int:
    """E-mail a new self-service link to every host registered with ``email`` (compared in its
    canonical form, exactly); each host's older links stop working. Returns how many."""
    address = canonical_email_or_none(email)
    if address is None:
        return 0
    count = 0
    with transaction.atomic():
        for host in Host.objects.filter(email=address, erased_at__isnull=True):
            queue_email(
                to=host.email,
                template="host_link",
                context={
                    "name": host.name,
                    "link_url": issue_self_service_link(host=host),
                    "days": settings.HOST_SELF_SERVICE_LINK_MAX_AGE // 86400,
                },
                language=host.language,
            )
            count += 1
    return count


def open_self_service(*, host: Host) -> None:
    """A host opened a self-service link: that proves the address, so it confirms it too."""
    if not host.is_confirmed:
        confirm_registration(host=host)


def set_host_language(*, host: Host, language: str) -> Host:
    """The language the host chose on their own pages (sv or en): their pages and the e-mails
    about their offer follow it from now on. Any other code is refused."""
    if language not in dict(settings.LANGUAGES):
        raise Invalid(_("Choose Swedish or English."))
    if host.language != language:
        host.language = language
        host.save(update_fields=["language"])
    return host


def can_change_offer(home: Home) -> bool:
    return home.status in Home.HOST_CHANGEABLE_STAGES


def change_offer(
    *, home: Home, offer: dict[str, Any], name: str | None = None, phone: Any = None
) -> Home:
    """The host changes their offer (and their name or phone) through self-service.

    The host's row is locked before the home's, the order erasure and withdrawal take them, and
    the stage is checked again under the lock: a withdrawal or an erasure in another tab wins,
    and only the offer's fields are written (never a stage read before the lock)."""
    from volunteers.actions import route_home

    if not can_change_offer(home):
        raise Conflict(_("This offer can no longer be changed here."))
    with transaction.atomic():
        host = Host.objects.select_for_update().get(pk=home.host_id)
        locked = lock_home(home)
        if host.erased_at or not can_change_offer(locked):
            raise Conflict(_("This offer can no longer be changed here."))
        changed = [field for field in OFFER_FIELDS if field in offer]
        for field_name in changed:
            setattr(locked, field_name, offer[field_name])
        locked.place = locate(locked)
        locked.save(update_fields=[*changed, "place", "updated_at"])
        # An old registration whose municipality the host has now chosen (or a home no group
        # covered) goes to the group covering it; a home with a group keeps it.
        route_home(home=locked)
        if name is not None:
            host.name = name
        if phone is not None:
            host.phone = phone
        host.save(update_fields=["name", "phone"])
    return locked


def export_host_data(*, host: Host) -> dict[str, Any]:
    """Everything held about a host, for them to download (the right of access). What each kind
    of row hands over is defined once, in ``privacy.exports``; the data protection officer's
    export of a host is this same export."""
    from privacy.exports import host_export

    return host_export(host=host)


def erase_host(*, host: Host, channel: str = ErasureRecord.Channel.SELF_SERVICE) -> None:
    """Remove the host's personal data at once.

    Open offers are withdrawn first (so the history says why they left the process); then names,
    contact details, addresses and every free text are emptied, the e-mails to the host are deleted,
    and one ``ErasureRecord`` says that an erasure took place and when, nothing else. The anonymous
    rows (municipality, kind of home, stages and dates) stay, so the year's figures still add up.
    """
    with transaction.atomic():
        host = Host.objects.select_for_update().get(pk=host.pk)
        if host.erased_at:
            return
        for home in host.homes.all():
            if home.status in TRANSITIONS["withdraw"].sources:
                withdraw_home(home=home, by_host=True)
            for field_name in FREE_TEXT_OFFER_FIELDS:
                setattr(home, field_name, "")
            home.save(update_fields=[*FREE_TEXT_OFFER_FIELDS, "updated_at"])
        HomeTransition.objects.filter(home__host=host).update(reason="")
        # A visit's history may say why it was cancelled ("the host is ill").
        from volunteers.models import HomeVisitTransition

        HomeVisitTransition.objects.filter(visit__home__host=host).update(reason="")
        _erase_host_stay_texts(host)
        if host.email:
            OutboundEmail.objects.filter(to=host.email).delete()
        host.name = ""
        host.email = ""
        host.phone = ""
        host.erased_at = timezone.now()
        host.link_version = F("link_version") + 1
        host.save(update_fields=["name", "email", "phone", "erased_at", "link_version"])
        ErasureRecord.objects.create(subject_kind="host", channel=channel)
    logger.info("A host's personal data was erased (%s).", channel)


def _erase_host_stay_texts(host: Host) -> None:
    """What the host wrote during their homes' stays: the concerns they raised and the free text
    of their own evaluations, with the reasons in those histories; and where the mediation
    meetings were held (often the host's home). The rows stay (kind, urgency, steps, dates,
    scores) so that the figures still add up; what the household wrote is the household's, kept
    until its case's retention (``privacy.actions.erase_stay_texts``)."""
    from stays.models import (
        Concern,
        ConcernTransition,
        Evaluation,
        EvaluationAnswer,
        EvaluationTransition,
        Mediation,
    )

    by_host = {"match__home__host": host, "raised_by": Concern.RaisedBy.HOST}
    Concern.objects.filter(**by_host).update(text="")
    ConcernTransition.objects.filter(concern__in=Concern.objects.filter(**by_host)).update(
        reason=""
    )
    own = Evaluation.objects.filter(match__home__host=host, respondent=Evaluation.Respondent.HOST)
    EvaluationAnswer.objects.filter(evaluation__in=own).update(text="")
    EvaluationTransition.objects.filter(evaluation__in=own).update(reason="")
    Mediation.objects.filter(concern__match__home__host=host).update(place="")


# Steps of the home's workflow ------------------------------------------------------------

# The steps a host hears about by e-mail, in their own language. (Move-in is a step of the match:
# ``matching.actions.record_move_in`` writes to the host.)
HOST_EMAIL_TEMPLATES = {
    "refer": "home_referred",
    "match": "home_matched",
    "end": "home_ended",
}


def available_transitions(home: Home, *, user=None, actor_kind: str = ActorKind.USER):
    return HOME_WORKFLOW.available(home, user=user, actor_kind=actor_kind)


def lock_home(home: Home) -> Home:
    """Lock the home's row for the rest of the transaction and return it as it is now.

    Every action that depends on a home's stage locks the home first, then the case, then the
    match: one order everywhere, so two people acting on the same home wait for each other
    instead of deadlocking. An action that writes the host's row too (erasure, withdrawal,
    a change of the offer) takes the host's row before the home's."""
    return Home.objects.select_for_update(of=("self",)).get(pk=home.pk)


def transition_home(
    *,
    home: Home,
    name: str,
    actor_kind: str = ActorKind.USER,
    user=None,
    reason: str = "",
    changes: dict | None = None,
) -> HomeTransition:
    """Move ``home`` one step through the workflow, or raise a ``DomainError``.

    The one place every step of a home passes: the engine applies it under the row lock, then
    the call queue is brought in line with the new stage and the host hears of the steps they
    are told about. Other apps' actions call this for the steps their own steps imply (a match
    approved matches the home)."""
    from volunteers.actions.queue import sync_queue_entry

    with transaction.atomic():
        record = HOME_WORKFLOW.apply(
            home, name, user=user, actor_kind=actor_kind, reason=reason, changes=changes
        )
        sync_queue_entry(home=home)
    template = HOST_EMAIL_TEMPLATES.get(name)
    if template:
        notify_host(home=home, template=template)
    return record


def notify_host(*, home: Home, template: str, context: dict | None = None) -> None:
    """E-mail the host about their offer, in the host's language (queued on commit). The host is
    read afresh: an object loaded before an erasure must not carry the old address on."""
    host = Host.objects.filter(pk=home.host_id).first() if home.host_id else None
    if host is None or not host.email or host.erased_at:
        return
    queue_email(
        to=host.email,
        template=template,
        context={"name": host.name, "home": home, **(context or {})},
        language=host.language,
    )


def _actor(user, by_host: bool) -> dict:
    if by_host:
        return {"user": None, "actor_kind": ActorKind.HOST}
    if user is None:
        return {"user": None, "actor_kind": ActorKind.SYSTEM}
    return {"user": user, "actor_kind": ActorKind.USER}


def refer_home(*, home: Home, partner, user) -> HomeTransition:
    """A volunteer coordinator refers a visited home to a partner, whose coordinators then see it:
    one of the partners of the partnerships covering the home's municipality
    (``reports.partners.referral_partners``); any other partner is refused."""
    from matching.places import resolve_place
    from reports.partners import referral_partners

    if partner is None or partner.pk not in {p.pk for p in referral_partners(home)}:
        raise Invalid(
            _(
                "%(partner)s has no partnership covering %(municipality)s: refer the home to "
                "a partner of a partnership there."
            )
            % {"partner": partner or "–", "municipality": municipality_name(home) or "–"}
        )
    place = (
        resolve_place(
            municipality_name(home), partner_id=partner.pk, municipality=home.municipality_id
        )
        or home.place
    )
    return transition_home(
        home=home, name="refer", user=user, changes={"partner": partner, "place": place}
    )


def pause_home(*, home: Home, user=None, by_host: bool = False, reason: str = "") -> HomeTransition:
    """The host (or a volunteer for them) pauses the offer; it leaves the call queue, and a
    visit still booked is cancelled (resumed, the home is contacted again and a new visit can be
    booked)."""
    from volunteers.actions.visits import cancel_visits_of_leaving_home

    actor = _actor(user, by_host)
    if not HOME_WORKFLOW["pause"].roles & roles_of(**actor):
        raise NotAllowed(_("You are not allowed to take this step."))
    with transaction.atomic():
        locked = lock_home(home)
        record = transition_home(home=home, name="pause", reason=reason, **actor)
        if record.from_state == Home.Status.VISIT_BOOKED:
            cancel_visits_of_leaving_home(home=locked, reason=str(_("The offer is paused.")))
        return record


def resume_home(
    *, home: Home, user=None, by_host: bool = False, reason: str = ""
) -> HomeTransition:
    """The offer goes on from the stage it was paused at (and back in the queue if that stage
    still needs the first call)."""
    return transition_home(home=home, name="resume", reason=reason, **_actor(user, by_host))


def reopen_home(
    *, home: Home, user=None, by_host: bool = False, reason: str = ""
) -> HomeTransition:
    """An unreachable host is interested again: registered once more, and back in the call queue
    (whoever records it: the host through self-service or a coordinator in the admin)."""
    return transition_home(home=home, name="reopen", reason=reason, **_actor(user, by_host))


def mark_home_unreachable(*, home: Home, reason: str, user=None) -> HomeTransition:
    """The host could not be reached: the home leaves the queue and the host is asked, by
    e-mail, to get in touch."""
    record = transition_home(
        home=home, name="mark_unreachable", reason=reason, **_actor(user, False)
    )
    notify_host(
        home=home,
        template="home_unreachable",
        context={"link_url": issue_self_service_link(host=home.host)} if home.host else {},
    )
    return record


def withdraw_home(
    *, home: Home, user=None, by_host: bool = False, reason: str = ""
) -> HomeTransition:
    """The offer is withdrawn. A match that is only proposed is cancelled with the reason "the
    host withdrew" and the partner's coordinators are told; an approved match must be ended by
    the partner first (the home is then no longer at a stage that can be withdrawn). The links
    already sent to the host stop working (a new one can be asked for, to download or erase)."""
    from matching.actions import cancel_proposals_for_withdrawn_home
    from volunteers.actions.visits import cancel_visits_of_leaving_home

    actor = _actor(user, by_host)
    if not HOME_WORKFLOW["withdraw"].roles & roles_of(**actor):
        raise NotAllowed(_("You are not allowed to take this step."))
    with transaction.atomic():
        if home.host_id:
            # The host's row before the home's, in the order ``erase_host`` takes them.
            revoke_links(host=home.host)
        locked = lock_home(home)
        if locked.status in HOME_WORKFLOW["withdraw"].sources:
            cancel_proposals_for_withdrawn_home(home=locked)
            cancel_visits_of_leaving_home(home=locked, reason=str(_("The offer was withdrawn.")))
        return transition_home(home=home, name="withdraw", reason=reason, **actor)


def close_home(*, home: Home, user=None, reason: str) -> HomeTransition:
    """After a stay has ended, the home leaves the process."""
    return transition_home(home=home, name="close", reason=reason, **_actor(user, False))


def refer_home_again(*, home: Home, user=None, reason: str = "") -> HomeTransition:
    """After a stay has ended, the home is offered to the same partner again."""
    return transition_home(home=home, name="refer_again", reason=reason, **_actor(user, False))


# What a host may do through self-service, by the name the page uses.
HOST_STEPS = {
    "pause": pause_home,
    "resume": resume_home,
    "reopen": reopen_home,
    "withdraw": withdraw_home,
}


def host_step(*, home: Home, name: str, reason: str = "") -> HomeTransition:
    """Pause, resume, re-open or withdraw an offer as the host, through self-service."""
    action = HOST_STEPS.get(name)
    if action is None:
        raise Invalid(_("There is no such step."))
    return action(home=home, by_host=True, reason=reason)
