"""The portal's URLs, and the floor of ``bench/load.py`` (used only through load_settings).

``/bench-floor/?queries=N``: a bare view behind the same middleware, on the same gunicorn and
database, that runs N trivial queries (``SELECT n``) and returns a small page. The floor's locust
users (``BENCH_FLOOR_QUERIES``) make the same requests at the same pace as the portal's, each
asking for as many queries as the page it stands for runs.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from matching_portal import urls as portal_urls

MAX_QUERIES = 100
PAGE = (
    "<!doctype html><html lang='sv'><head><meta charset='utf-8'><title>Golv</title></head>"
    "<body><main><h1>Golv</h1><p>{queries} frågor.</p></main></body></html>"
)


def floor(request):
    try:
        queries = max(0, min(int(request.GET.get("queries", "0")), MAX_QUERIES))
    except ValueError:
        queries = 0
    with connection.cursor() as cursor:
        for n in range(queries):
            cursor.execute("SELECT %s", [n])
            cursor.fetchone()
    return HttpResponse(PAGE.format(queries=queries))


urlpatterns = [*portal_urls.urlpatterns, path("bench-floor/", floor, name="bench_floor")]

# The portal's error pages.
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(portal_urls, _name):
        globals()[_name] = getattr(portal_urls, _name)
