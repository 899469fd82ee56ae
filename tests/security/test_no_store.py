"""No cache keeps a page that is for one person (privacy.middleware.NoStoreMiddleware).

Every URL pattern a role may open, requested as that role by the permission matrix's walk
(tests/security/test_permission_matrix.py, with its objects), says ``no-store``, except the few
public pages asked for by a visitor nobody knows, which stay cacheable: that walk checks it on the
answers it gets anyway (tests/security/no_store.py), so each page is requested once. Here, the
pages of the findings, each as a person meets it.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from hosts.actions import make_link_token
from tests.factories import HostFactory, registration_post_data
from tests.security import permission_matrix as matrix
from tests.security import test_permission_matrix as walker
from tests.security.no_store import no_store
from tests.volunteers.test_signup import application_data

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.two_factor,
    pytest.mark.usefixtures("local_cache", "fast_password_hashing"),
]

# The walker's fixtures (world) come from tests/security/conftest.py.


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
