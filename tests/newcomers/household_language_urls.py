"""The portal's addresses plus one household page, for tests/newcomers/test_household_languages.py
(the household's real pages are built elsewhere; this one shows the base template alone)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from matching_portal.urls import urlpatterns as portal_urlpatterns
from newcomers.household_language import household_language_page

PAGE = engines["django"].from_string(
    '{% extends "household/base.html" %}{% load i18n %}'
    "{% block title %}{% translate 'Your page' %}{% endblock %}"
    '{% block content %}<p id="staff-string">{% translate "Call queue" %}</p>'
    '<p id="shared-string">{% translate "Skip to content" %}</p>{% endblock %}'
)


@household_language_page
def household_test_page(request):
    return HttpResponse(PAGE.render({}, request))


urlpatterns = [
    path("household-test-page/", household_test_page, name="household_test_page"),
    *portal_urlpatterns,
]
