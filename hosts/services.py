"""What happens to hosts and their offers: registration, confirmation, self-service, erasure."""

import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from notifications.models import OutboundEmail
from notifications.services import queue_email

from .models import ErasureRecord, Home, HomeTransition, Host
from .workflow import FINAL_STAGES, TRANSITIONS, TransitionNotAllowed, transition_home

logger = logging.getLogger(__name__)

CONFIRM_SALT = "hosts.confirm"
SELF_SERVICE_SALT = "hosts.self-service"

# Fields of the offer that self-service may change, and that erasure empties.
OFFER_FIELDS = [
    "street_address",
    "postcode",
    "municipality",
    "kind",
    "beds",
    "available_from",
    "available_months",
    "rent_per_month",
    "household_description",
    "has_pets",
    "pets_description",
    "smoking",
    "languages",
    "other_languages",
    "step_free_access",
    "accessibility_notes",
    "hopes",
    "heard_from",
]
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

    return resolve_place(home.municipality, partner_id=home.partner_id)


# Links -----------------------------------------------------------------------------------------


def _address_fingerprint(host: Host) -> str:
    # A link stops working when the address it was sent to is no longer the host's (erasure).
    return salted_hmac("hosts.link-address", host.email.lower()).hexdigest()[:16]


def make_link_token(host: Host, *, purpose: str) -> str:
    salt = CONFIRM_SALT if purpose == "confirm" else SELF_SERVICE_SALT
    return signing.dumps({"h": host.pk, "a": _address_fingerprint(host)}, salt=salt)


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
    return host


def self_service_url(host: Host) -> str:
    token = make_link_token(host, purpose="self_service")
    return settings.SITE_URL + reverse("hosts:open_link", args=[token])


# Registration ----------------------------------------------------------------------------------


def register_host(
    *,
    name: str,
    email: str,
    phone: Any,
    language: str,
    offer: dict[str, Any],
    consent_language: str,
) -> Host:
    """Save a registration (intresseanmälan) and send the e-mail that confirms the address.

    The registration stays unconfirmed, and no volunteer sees it, until the link is followed.
    """
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
        home.place = locate(home)
        home.save()
        HomeTransition.objects.create(
            home=home,
            from_state="",
            to_state=Home.Status.REGISTERED,
            actor_kind=HomeTransition.ActorKind.HOST,
        )
        token = make_link_token(host, purpose="confirm")
        queue_email(
            to=host.email,
            template="host_confirm",
            context={
                "name": host.name,
                "confirm_url": settings.SITE_URL + reverse("hosts:confirm", args=[token]),
                "days": settings.HOST_CONFIRM_LINK_MAX_AGE // 86400,
            },
            language=host.language,
        )
    return host


def confirm_registration(*, host: Host) -> bool:
    """Mark the host's e-mail address as confirmed. Returns False if it already was."""
    from volunteers.services import enqueue_home

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


def send_self_service_link(*, email: str) -> int:
    """E-mail a self-service link to every host registered with ``email``. Returns how many.

    The caller answers the same way whatever the count, so nobody learns whether an address is known.
    """
    hosts = list(Host.objects.filter(email__iexact=email.strip(), erased_at__isnull=True))
    with transaction.atomic():
        for host in hosts:
            queue_email(
                to=host.email,
                template="host_link",
                context={
                    "name": host.name,
                    "link_url": self_service_url(host),
                    "days": settings.HOST_SELF_SERVICE_LINK_MAX_AGE // 86400,
                },
                language=host.language,
            )
    return len(hosts)


def open_self_service(*, host: Host) -> None:
    """A host opened a self-service link: that proves the address, so it confirms it too."""
    if not host.is_confirmed:
        confirm_registration(host=host)


def can_change_offer(home: Home) -> bool:
    return home.status not in (*FINAL_STAGES, Home.Status.MATCHED, Home.Status.ENDED)


def change_offer(
    *, home: Home, offer: dict[str, Any], name: str | None = None, phone: Any = None
) -> Home:
    """The host changes their offer (and their name or phone) through self-service."""
    if not can_change_offer(home):
        raise TransitionNotAllowed(_("This offer can no longer be changed here."))
    with transaction.atomic():
        for field_name in OFFER_FIELDS:
            if field_name in offer:
                setattr(home, field_name, offer[field_name])
        home.place = locate(home)
        home.save()
        host = home.host
        if name is not None:
            host.name = name
        if phone is not None:
            host.phone = phone
        host.save(update_fields=["name", "phone"])
    return home


def host_step(*, home: Home, name: str, reason: str = "") -> HomeTransition:
    """Pause, resume, re-open or withdraw an offer as the host."""
    from volunteers.services import enqueue_home

    with transaction.atomic():
        record = transition_home(
            home=home, name=name, actor_kind=HomeTransition.ActorKind.HOST, reason=reason
        )
        if record.to_state == Home.Status.REGISTERED and home.host.is_confirmed:
            # Interested again (or resumed before the first call): back in the call queue.
            enqueue_home(home=home)
    return record


def export_host_data(*, host: Host) -> dict[str, Any]:
    """Everything held about a host, for them to download (the right of access)."""

    def iso(value):
        return value.isoformat() if value else None

    homes = []
    for home in host.homes.prefetch_related("transitions"):
        offer = {f: getattr(home, f) for f in OFFER_FIELDS}
        offer["available_from"] = iso(home.available_from)
        homes.append(
            {
                "id": home.pk,
                **offer,
                "stage": home.status,
                "registered": iso(home.created_at),
                "updated": iso(home.updated_at),
                "history": [
                    {
                        "from": t.from_state or None,
                        "to": t.to_state,
                        "when": iso(t.created_at),
                        "made_by": t.actor_kind,
                        "reason": t.reason,
                    }
                    for t in home.transitions.all()
                ],
            }
        )
    emails = OutboundEmail.objects.filter(to__iexact=host.email).order_by("created_at")
    return {
        "exported_at": timezone.now().isoformat(),
        "host": {
            "name": host.name,
            "email": host.email,
            "phone": str(host.phone) if host.phone else "",
            "language": host.language,
            "registered": iso(host.created_at),
            "email_confirmed": iso(host.confirmed_at),
            "consent": {
                "privacy_notice_version": host.consent_notice_version,
                "given_at": iso(host.consent_given_at),
                "language_shown": host.consent_language,
            },
        },
        "homes": homes,
        "emails_sent_to_you": [
            {"subject": e.subject, "created": iso(e.created_at), "sent": iso(e.sent_at)}
            for e in emails
        ],
    }


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
                host_step(home=home, name="withdraw")
            for field_name in FREE_TEXT_OFFER_FIELDS:
                setattr(home, field_name, "")
            home.save(update_fields=[*FREE_TEXT_OFFER_FIELDS, "updated_at"])
        HomeTransition.objects.filter(home__host=host).update(reason="")
        OutboundEmail.objects.filter(to__iexact=host.email).delete()
        host.name = ""
        host.email = ""
        host.phone = ""
        host.erased_at = timezone.now()
        host.save(update_fields=["name", "email", "phone", "erased_at"])
        ErasureRecord.objects.create(subject_kind="host", channel=channel)
    logger.info("A host's personal data was erased (%s).", channel)
