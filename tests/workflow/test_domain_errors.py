"""A refusal no view handled is a page with the error's own status and its message, once."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from workflow.errors import Conflict, DomainError, Invalid, NotAllowed
from workflow.middleware import DomainErrorMiddleware


def refuse(error):
    def view(request):
        raise error

    return view


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotAllowed("Du får inte ta det här steget."), 403),
        (Invalid("Datumet ligger för långt bak."), 400),
        (Conflict("Någon hann före dig."), 409),
        (DomainError("Steget går inte nu."), 409),
    ],
)
@pytest.mark.parametrize("path", ["/volunteer/queue/", "/admin/hosts/home/1/"])
def test_a_refusal_becomes_its_page_with_the_message_once(db, error, status, path):
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    middleware = DomainErrorMiddleware(lambda r: HttpResponse())
    with translation.override("sv"):
        response = middleware.process_exception(request, error)
    assert response.status_code == status
    page = response.content.decode()
    assert page.count(str(error.message)) == 1
    assert "Traceback" not in page


def test_other_exceptions_are_left_to_django(db):
    request = RequestFactory().get("/")
    middleware = DomainErrorMiddleware(lambda r: HttpResponse())
    assert middleware.process_exception(request, ValueError("x")) is None
