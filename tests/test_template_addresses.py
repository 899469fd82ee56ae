"""``{% url %}`` and ``{% static %}`` remember the addresses they work out
(matching_portal/templatetags/portal_urls.py): the same addresses as Django's tags, and never a
stale one when the URLs, the script prefix or the static files' settings change."""

import pytest
from django.http import HttpResponse
from django.template import engines
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse, set_script_prefix
from django.utils import translation

from matching_portal.templatetags.portal_urls import RememberedStaticNode, RememberedURLNode


def _elsewhere(request):
    return HttpResponse("")


# The URLs of this module: "home" is somewhere else here.
urlpatterns = [path("somewhere-else/", _elsewhere, name="home")]


def render(source: str, context=None) -> str:
    return engines["django"].from_string(source).render(context or {})


def test_the_project_engine_uses_the_remembering_tags():
    template = engines["django"].from_string("{% url 'home' %}{% static 'x' %}")
    nodes = [type(node) for node in template.template.nodelist]
    assert RememberedURLNode in nodes and RememberedStaticNode in nodes


def test_an_address_is_the_one_django_reverses_each_time():
    for _ in range(2):
        assert render("{% url 'hosts:landing' %}|{% url 'home' %}") == (
            f"{reverse('hosts:landing')}|{reverse('home')}"
        )
    assert render("{% url 'hosts:open_link' token %}", {"token": "a b"}) == reverse(
        "hosts:open_link", args=["a b"]
    )
    assert render("{% url 'no-such-page' as there %}[{{ there }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    assert render("{% url 'home' as there %}<{{ there }}>") == f"<{reverse('home')}>"


def test_other_urls_or_another_script_prefix_give_their_own_address():
    assert render("{% url 'home' %}") == "/home/"
    with override_settings(ROOT_URLCONF="tests.test_template_addresses"):
        assert render("{% url 'home' %}") == "/somewhere-else/"
    assert render("{% url 'home' %}") == "/home/"
    set_script_prefix("/portal/")
    try:
        assert render("{% url 'home' %}") == "/portal/home/"
    finally:
        set_script_prefix("/")
    assert render("{% url 'home' %}") == "/home/"
    with translation.override("en"):
        assert render("{% url 'home' %}") == "/home/"


def test_a_static_file_has_the_storage_address_and_follows_its_settings():
    from django.contrib.staticfiles.storage import staticfiles_storage

    source = "{% static 'css/portal.css' %}"
    assert render(source) == staticfiles_storage.url("css/portal.css")
    assert render(source) == staticfiles_storage.url("css/portal.css")
    with override_settings(STATIC_URL="/assets/"):
        assert render(source) == "/assets/css/portal.css"
    assert render(source) == staticfiles_storage.url("css/portal.css")
    assert render("{% static 'a b.css' as there %}<{{ there }}>") == (
        f"<{staticfiles_storage.url('a b.css')}>"
    )
    # A template that loads Django's static library gets Django's tag, with the same address.
    assert render("{% load static %}{% static 'css/portal.css' %}") == render(source)
