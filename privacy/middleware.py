"""No cache keeps a page that is for one person: ``NoStoreMiddleware``."""

from django.utils.cache import add_never_cache_headers

# The pages that are the same for every visitor (no form, no answers, nothing about anyone).
PUBLIC_PAGES = frozenset(
    {
        "hosts:landing",
        "hosts:privacy",
        "hosts:sent",
        "volunteers:joined",
        "volunteers:privacy",
    }
)


def says_no_store(response) -> bool:
    directives = response.get("Cache-Control", "").split(",")
    return any(d.split("=")[0].strip().lower() == "no-store" for d in directives)


class NoStoreMiddleware:
    """Deny by default: every answer of the portal is ``no-store``, unless it is a public page
    for a visitor nobody knows.

    An answer keeps its own caching headers (none today) only when all of these hold:

    - its page is one of ``PUBLIC_PAGES``,
    - it answers GET or HEAD with 200,
    - nobody is logged in, and the browser has no session at all (so no host self-service
      session and no sign-up answers),
    - and the page showed no message (a message is for the one person who reads it).

    Every other answer (every page of a person logged in or of a host's self-service, every
    form, and so every form shown again with what was typed, the sign-up's "check your answers",
    the confirmation link that opens a host's session, the password pages, every admin page,
    every download, every error page) gets Django's never-cache headers: ``Cache-Control:
    max-age=0, no-cache, no-store, must-revalidate, private`` and an ``Expires`` in the past, so
    neither the browser (its back button, a shared computer) nor a proxy keeps a copy. An answer
    that already says ``no-store`` (a view's own ``never_cache``, the host self-service pages) is
    left as it is.

    It sits just inside WhiteNoise, whose static files stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not says_no_store(response) and not self.is_public(request, response):
            add_never_cache_headers(response)
        return response

    @staticmethod
    def is_public(request, response) -> bool:
        match = getattr(request, "resolver_match", None)
        if match is None or match.view_name not in PUBLIC_PAGES:
            return False
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return False
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or user.is_authenticated or session is None or not session.is_empty():
            return False
        shown = getattr(request, "_messages", None)
        return not (shown is not None and shown.used)
