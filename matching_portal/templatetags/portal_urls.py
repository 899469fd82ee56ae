"""``{% url %}`` and ``{% static %}`` as Django writes them, remembered once worked out.

Every page names the same dozen addresses (the header's and the footer's links, the style
sheets and scripts; the admin's menu and its files), and Django works each one out again on
every request: a ``reverse`` through the URL resolver is about 25 µs, a static file's address
about 15 µs, a third of the time of rendering ``base.html``. The address of a URL name without
arguments, and of a static file, cannot change while the process runs with the same URLs,
script prefix, language and storage, so it is remembered under all of those:

- ``{% url 'name' %}`` (no arguments) through ``matching_portal.addresses.remembered_reverse``:
  kept on the resolver of the URLs in use (a new resolver, as after ``clear_url_caches`` or
  another ``ROOT_URLCONF``, starts empty), per view name, current app, script prefix and
  language. A URL with arguments is reversed every time.
- ``{% static 'path' %}`` is kept on the static files storage in use (a new storage, as after a
  change of ``STORAGES`` or ``STATIC_URL``, starts empty), per path and ``DEBUG`` (the manifest
  storage writes unhashed names in DEBUG).

A name that does not reverse raises ``NoReverseMatch`` as before (nothing is remembered), and
``{% url … as var %}`` and ``{% static … as var %}`` work as before. Both are built-ins of the
project's template engine (settings.TEMPLATES ``builtins``), so a template uses them without
loading anything; one that still says ``{% load static %}`` (the admin's) gets Django's own
``{% static %}``, which writes the same address every time.
"""

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.templatetags import static as django_static
from django.urls import NoReverseMatch
from django.utils.functional import empty
from django.utils.html import conditional_escape

from matching_portal.addresses import remembered_reverse

register = template.Library()


def _current_app(context):
    """The current app as Django's ``{% url %}`` finds it."""
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


class RememberedURLNode(URLNode):
    def render(self, context):
        view_name = self.view_name.resolve(context)
        if self.args or self.kwargs or not isinstance(view_name, str):
            return super().render(context)
        url = ""
        try:
            url = remembered_reverse(view_name, current_app=_current_app(context))
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's ``{% url %}``, its address remembered when the name takes no arguments."""
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


class RememberedStaticNode(django_static.StaticNode):
    def url(self, context):
        path = self.path.resolve(context)
        if not isinstance(path, str):
            return self.handle_simple(path)
        if staticfiles_storage._wrapped is empty:
            staticfiles_storage._setup()
        storage = staticfiles_storage._wrapped
        remembered = storage.__dict__.setdefault("_portal_static_urls", {})
        key = (path, settings.DEBUG)
        address = remembered.get(key)
        if address is None:
            address = remembered[key] = self.handle_simple(path)
        return address


@register.tag("static")
def do_static(parser, token):
    """Django's ``{% static %}``, the file's address remembered."""
    return RememberedStaticNode.handle_token(parser, token)
