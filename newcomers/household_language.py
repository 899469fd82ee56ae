"""The household's own pages are in the household's language: one of seven (Swedish, English,
Arabic, Dari, Tigrinya, Somali, Ukrainian). Host and staff pages stay Swedish and English
(``settings.LANGUAGES``), so the five other languages are never offered there: ``LocaleMiddleware``
only picks from ``settings.LANGUAGES``, and the household pages switch to their language
themselves: the pages behind the link run in the case's language (``links.household_page``), and
a page a household may see without an open link can use ``household_language_page``. The
household's language switch (``language_views.choose_language``) keeps the choice on the case.

Which language a household page uses, first match wins:
1. the case's language (``NewcomerCase.language``) when the household's link is open in the browser;
2. the language the household chose with the switch in this browser session;
3. the browser's Accept-Language, among the seven (Persian "fa" reads as Dari);
4. Swedish (``settings.LANGUAGE_CODE``).

Two things Django does not do by itself are set up in ``install()`` (from ``NewcomersConfig.ready``):
Django's ``LANG_INFO`` lacks Dari, Tigrinya and Somali (names, and Dari is right to left; the bidi
list is ``settings.LANGUAGES_BIDI``), and Django falls back from every language to
``settings.LANGUAGE_CODE``, so a string missing from the Tigrinya catalogue would show in Swedish.
For a language that is not one of the site's (``settings.LANGUAGES``) a missing string shows its
msgid, which is English."""

from functools import wraps

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils import translation
from django.utils.translation import trans_real

from .models import HOUSEHOLD_LANGUAGES

SESSION_KEY = "household_language"
CODES = [code for code, _name in HOUSEHOLD_LANGUAGES]

# Django knows Arabic and Ukrainian already.
EXTRA_LANG_INFO = {
    "prs": {"bidi": True, "code": "prs", "name": "Dari", "name_local": "دری"},
    "ti": {"bidi": False, "code": "ti", "name": "Tigrinya", "name_local": "ትግርኛ"},
    "so": {"bidi": False, "code": "so", "name": "Somali", "name_local": "Soomaali"},
}

# Browser language tags that mean one of the seven; Persian is written the same way as Dari.
ACCEPT_LANGUAGE_ALIASES = {"fa": "prs", "prs": "prs"}


def install() -> None:
    """Teach Django the extra languages and stop the fallback to Swedish for them."""
    for code, info in EXTRA_LANG_INFO.items():
        LANG_INFO.setdefault(code, info)
    DjangoTranslation = trans_real.DjangoTranslation
    if getattr(DjangoTranslation._add_fallback, "household_patch", False):
        return
    original = DjangoTranslation._add_fallback

    def _add_fallback(self, localedirs=None):
        # Django adds LANGUAGE_CODE (Swedish) as the fallback of every non-English language.
        # Only the site's own languages keep that; the others fall back to the msgid (English).
        if self.language() not in {code for code, _name in settings.LANGUAGES}:
            return
        original(self, localedirs)

    _add_fallback.household_patch = True
    DjangoTranslation._add_fallback = _add_fallback


def from_accept_language(header: str) -> str | None:
    """The first of the seven languages the browser asks for, if any."""
    for tag, _quality in trans_real.parse_accept_lang_header(header or ""):
        base = tag.lower().split("-")[0]
        code = ACCEPT_LANGUAGE_ALIASES.get(base, base)
        if code in CODES:
            return code
    return None


def household_language(request, case=None) -> str:
    """The language a household page is shown in (the order is in the module's docstring)."""
    if case is None:
        from .links import session_link

        link = session_link(request)
        case = link.case if link is not None else None
    if case is not None and case.language in CODES:
        return case.language
    chosen = request.session.get(SESSION_KEY)
    if chosen in CODES:
        return chosen
    return from_accept_language(request.META.get("HTTP_ACCEPT_LANGUAGE", "")) or (
        settings.LANGUAGE_CODE
    )


def activate_household_language(request, case=None) -> str:
    """Switch this request to the household's language (for the view and its template)."""
    language = household_language(request, case)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def household_language_page(view):
    """A household page that may be seen without an open link (opening the link, a link that no
    longer works): it is shown in the household's language too. ``household_page`` does the same
    for the pages behind the link."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        activate_household_language(request)
        return view(request, *args, **kwargs)

    return wrapped


def is_right_to_left(language: str | None) -> bool:
    """Whether ``language`` is written right to left, as Django knows it (``LANG_INFO``, with
    Dari added by ``install()``). A code Django does not know reads left to right."""
    try:
        return bool(translation.get_language_info(language or "")["bidi"])
    except KeyError:
        return False


def text_direction(language: str | None) -> str:
    """The ``dir`` attribute of a page or a part of one in ``language``: "rtl" or "ltr"."""
    return "rtl" if is_right_to_left(language) else "ltr"
