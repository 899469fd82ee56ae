"""No cache keeps a page that is for one person (privacy.middleware.NoStoreMiddleware).

Every URL pattern a role may open is requested as that role, with the permission matrix's walker
(tests/security/test_permission_matrix.py) and its objects: every answer says ``no-store``,
except the few public pages asked for by a visitor nobody knows, which stay cacheable.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from hosts.actions import make_link_token
from privacy.middleware import PUBLIC_PAGES
from tests.factories import HostFactory, registration_post_data
from tests.security import permission_matrix as matrix
from tests.security import test_permission_matrix as walker
from tests.volunteers.test_signup import application_data

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.two_factor,
    pytest.mark.usefixtures("local_cache", "fast_password_hashing"),
]

# The walker's fixtures (world, quick_pages) come from tests/security/conftest.py.


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives


def public_page(key: str) -> bool:
    return key in PUBLIC_PAGES


@pytest.mark.parametrize("role", matrix.ROLES)
def test_every_page_is_no_store_but_the_public_ones_for_a_visitor(role, world, quick_pages):
    client = walker.role_client(world, role)
    # Forms answer POSTs with what was typed: the public forms and the host's own are sent too.
    methods = (
        ("GET", "POST") if role in (matrix.ANONYMOUS, matrix.HOST, matrix.HOUSEHOLD) else ("GET",)
    )
    problems, cacheable, requests = [], set(), 0
    for key, route, extra, variant in walker.cells()[0]:
        if variant != "own":
            continue
        path = walker.fill(route, {**walker.route_values(world, route, variant), **extra})
        for method in methods:
            if matrix.expected(key, role, method, variant) != matrix.OK:
                continue  # not reachable for the role: a log-in page, a refusal
            response = walker.request(client, method, path)
            requests += 1
            may_be_cached = role == matrix.ANONYMOUS and method == "GET" and public_page(key)
            if may_be_cached and response.status_code == 200:
                cacheable.add(key)
                if no_store(response):
                    problems.append(f"{method} {path}: a public page, but no-store")
            elif not no_store(response):
                problems.append(
                    f"{method} {path} ({response.status_code}): "
                    f"Cache-Control {response.get('Cache-Control')!r}"
                )
    assert requests > 10
    assert not problems, f"{len(problems)} pages for {role}:\n" + "\n".join(problems)
    if role == matrix.ANONYMOUS:
        assert cacheable == set(PUBLIC_PAGES)


def test_a_public_page_is_no_store_for_a_person_logged_in_or_holding_a_session(client, world):
    walker.verified(client, world.users[matrix.MANAGER])
    assert no_store(client.get("/privacy/"))
    visitor = Client()
    visitor.post("/offer/", registration_post_data())  # the sign-up's answers in the session
    assert no_store(visitor.get("/"))
    assert not no_store(Client().get("/"))


# The pages of the findings, each as a person meets it ------------------------------------------


def test_the_volunteer_application_shown_again_with_the_answers_is_no_store(english):
    response = english.post("/volunteer/join/", application_data(phone="12"))
    assert response.status_code == 400 and "Karin Berg" in response.content.decode()
    assert no_store(response)


def test_the_sign_up_check_page_and_the_confirmation_link_are_no_store(english):
    response = english.post("/offer/", registration_post_data())
    assert no_store(response)
    check = english.get("/offer/check/")
    assert check.status_code == 200 and "Anna Svensson" in check.content.decode()
    assert no_store(check)

    host = HostFactory(confirmed_at=None)
    response = Client().get(f"/offer/confirm/{make_link_token(host, purpose='confirm')}/")
    assert response.status_code == 200
    assert no_store(response)
    assert response.cookies[settings.SESSION_COOKIE_NAME].value  # it opened a host session


def test_the_password_change_is_no_store(client, world):
    client.force_login(world.users[matrix.VOLUNTEER])
    response = client.get(reverse("password_change"))
    assert response.status_code == 200
    assert no_store(response)
