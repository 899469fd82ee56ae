"""Two-factor log-in (TOTP, django-otp) for staff and managers.

Everyone who works in the admin, and every manager, must confirm a code from an authenticator
app after the password. The first time, the page shows a QR code to set the app up.

Deny by default: until the code is confirmed, such a person reaches only the pages named in
``BEFORE_SECOND_FACTOR`` (log-in, the second-factor page, log-out, the language switch, the
password reset by e-mail) and the public pages that need no log-in at all. Everything else, the
password change included, sends them to the second-factor page first.
"""

import io

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import roles
from .access import has_role

# Files, not pages (WhiteNoise serves them before this middleware in production).
EXEMPT_PREFIXES = ("/static/", "/favicon")
# The pages a person who still owes the second factor may open, by URL name.
BEFORE_SECOND_FACTOR = frozenset(
    {
        "login",
        "logout",
        "two_factor",
        "set_language",
        "admin:login",
        "admin:logout",
        # Setting a password through the e-mailed link needs no log-in, and does not log in.
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
)
# Public pages that need no log-in at all: the hosts' pages (a signed link, no account) and the
# volunteer application.
PUBLIC_NAMESPACES = frozenset({"hosts"})
PUBLIC_PAGES = frozenset({"volunteers:join", "volunteers:joined", "volunteers:privacy"})


def has_second_factor_duty(user) -> bool:
    """Staff in the admin and managers confirm a code; nobody else has an authenticator."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or has_role(user, roles.MANAGER)


def needs_two_factor(user) -> bool:
    return settings.TWO_FACTOR_REQUIRED and has_second_factor_duty(user)


def reachable_before_second_factor(match) -> bool:
    """True for the pages a person who owes the second factor may open (``match``: the
    request's ``ResolverMatch``)."""
    return (
        match.view_name in BEFORE_SECOND_FACTOR
        or match.view_name in PUBLIC_PAGES
        or (bool(match.namespaces) and match.namespaces[0] in PUBLIC_NAMESPACES)
    )


class TwoFactorMiddleware:
    """Sends staff and managers who have not confirmed a code to the two-factor page, from every
    page but the few in ``BEFORE_SECOND_FACTOR`` and the public ones."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if (
            user is None
            or request.path.startswith(EXEMPT_PREFIXES)
            or not needs_two_factor(user)
            or user.is_verified()
            or reachable_before_second_factor(request.resolver_match)
        ):
            return None
        return redirect(f"{reverse('two_factor')}?next={request.path}")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]  # inline in HTML: without the XML declaration


def device_for(user) -> TOTPDevice:
    """The person's authenticator device: their confirmed one, else the one being set up, else a
    new unconfirmed one. Never a second unconfirmed device: the person's row is locked while
    looking, so two first visits at once make one device."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=None).order_by(
            "-confirmed", "pk"
        )
        device = devices.first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request):
    from privacy.actions import security_event
    from privacy.models import SecurityEvent

    if not request.user.is_authenticated:
        return redirect("login")
    target = request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    if not has_second_factor_duty(request.user):
        # A volunteer has nothing to confirm here: no device is made for them.
        return redirect(target)
    device = device_for(request.user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and device.verify_token(form.cleaned_data["token"].strip()):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(target)
        security_event(kind=SecurityEvent.Kind.TWO_FACTOR_FAILED, path=request.path)
        form.add_error(
            None, _("That code is not right. Check the time on your phone and try again.")
        )
        status = 400
    context = {"form": form, "setting_up": not device.confirmed}
    if not device.confirmed:
        context["qr_svg"] = _qr_svg(device.config_url)
        context["secret"] = _base32_secret(device)
    return render(request, "registration/two_factor.html", context, status=status)


def axes_username(request, credentials=None) -> str | None:
    """The user name django-axes counts failed log-ins under (``AXES_USERNAME_CALLABLE``).

    As axes does by default, from the credentials or the form; but cut to the length of a user
    name and without NUL characters, so that a hostile value (the log-in form does not check the
    length itself) is counted instead of breaking the database insert with a server error.
    """
    value = (credentials or {}).get("username")
    if value is None:
        value = getattr(request, "POST", {}).get("username")
    if value is None:
        return None
    from .emails import canonical_username

    max_length = get_user_model()._meta.get_field("username").max_length
    # Counted under the name log-in looks up, so that a change of case is the same name.
    return canonical_username(str(value).replace("\x00", ""))[:max_length]


def _base32_secret(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode("ascii")
