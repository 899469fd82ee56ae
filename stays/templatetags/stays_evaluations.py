"""The host's open surveys, for a link on "My offer" (``stays/_host_evaluations.html``)."""

from django import template

from stays.selectors import open_host_evaluations

register = template.Library()


@register.simple_tag
def host_open_evaluations(home):
    return open_host_evaluations(home)
