"""The language switch of the household's own pages (the staff and host pages use Django's
``set_language``, which only offers Swedish and English)."""

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .actions import choose_household_language
from .household_language import CODES, SESSION_KEY
from .links import session_link


@require_POST
def choose_language(request):
    """Keep the household's choice: on the case when its link is open in this browser (so letters
    and e-mails follow), and in the session either way. Then back to the page it came from."""
    language = request.POST.get("language", "")
    if language in CODES:
        link = session_link(request)
        if link is not None:
            choose_household_language(case=link.case, language=language)
        request.session[SESSION_KEY] = language
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    return redirect(next_url)
