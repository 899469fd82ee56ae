"""The household's own link: a signed token naming a ``HouseholdLink`` row, and the browser
session it opens.

The signature stops forged or altered links; the row stops revoked and expired ones (checked on
every request, not only when the link is opened). Pages for the household take the case from the
session with ``household_page``, never from an id in the address."""

from functools import wraps

from django.core import signing
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import HouseholdLink, NewcomerCase

SALT = "newcomers.household-link"
SESSION_KEY = "household_link_id"


class InvalidLink(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def make_token(link: HouseholdLink) -> str:
    return signing.dumps({"l": link.pk}, salt=SALT)


def link_from_token(token: str, *, now=None) -> HouseholdLink:
    """The link a token stands for, if it still works; ``InvalidLink`` says why not."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise InvalidLink(
            _("This link is not valid. Ask your coordinator for a new one.")
        ) from None
    link_id = payload.get("l") if isinstance(payload, dict) else None
    link = (
        HouseholdLink.objects.select_related("case").filter(pk=link_id).first()
        if isinstance(link_id, int)
        else None
    )
    if link is None:
        raise InvalidLink(_("This link is not valid. Ask your coordinator for a new one."))
    return check_link(link, now=now)


def link_named_by(token: str) -> HouseholdLink | None:
    """The link a genuine token names, whether or not it still works (None for a forged or
    altered token): the page saying a link stopped working speaks the household's language."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    link_id = payload.get("l") if isinstance(payload, dict) else None
    if not isinstance(link_id, int):
        return None
    return HouseholdLink.objects.select_related("case").filter(pk=link_id).first()


def check_link(link: HouseholdLink, *, now=None) -> HouseholdLink:
    now = now or timezone.now()
    if link.revoked_at is not None:
        raise InvalidLink(
            _("This link has been stopped or replaced. Ask your coordinator for a new one.")
        )
    if link.expires_at <= now:
        raise InvalidLink(_("This link has expired. Ask your coordinator for a new one."))
    return link


def session_link(request) -> HouseholdLink | None:
    """The household's link opened in this browser, if it still works."""
    link_id = request.session.get(SESSION_KEY)
    if not isinstance(link_id, int):
        return None
    link = HouseholdLink.objects.select_related("case").filter(pk=link_id).first()
    if link is None:
        return None
    try:
        return check_link(link)
    except InvalidLink:
        request.session.pop(SESSION_KEY, None)
        return None


def household_page(view):
    """The page needs a household that opened its link in this browser: the view gets the case
    (``view(request, case, *args, **kwargs)``), and runs in the household's language. Without a
    working link it is a 404, as for any object outside a person's reach (410 when the link
    opened in this browser has since been stopped or has expired), on a friendly page that says
    what to do; nothing is cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        from .household_views import link_problem

        link_id = request.session.get(SESSION_KEY)
        link = session_link(request)
        if link is None:
            stale = (
                HouseholdLink.objects.select_related("case").filter(pk=link_id).first()
                if isinstance(link_id, int)
                else None
            )
            if stale is None:
                response = link_problem(
                    request, _("Open the link in your letter or e-mail again."), status=404
                )
            else:
                try:
                    check_link(stale)
                except InvalidLink as exc:
                    message = exc.message
                else:  # pragma: no cover - a working link is in the session then
                    message = _("Open the link in your letter or e-mail again.")
                response = link_problem(request, message, case=stale.case, status=410)
            response["Cache-Control"] = "no-store"
            return response
        request.household_link = link
        case: NewcomerCase = link.case
        with translation.override(case.language):
            response = view(request, case, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # a TemplateResponse: in the household's language too
        response["Cache-Control"] = "no-store"
        return response

    return wrapped
