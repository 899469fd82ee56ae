"""Template tags for the household's own pages (templates/household/base.html)."""

from django import template
from django.utils import translation

from newcomers.household_language import CODES

register = template.Library()


@register.simple_tag
def household_languages():
    """The seven languages of the household's pages, each named in itself, for the switch."""
    current = translation.get_language()
    languages = []
    for code in CODES:
        info = translation.get_language_info(code)
        languages.append(
            {
                "code": code,
                "name_local": info["name_local"],
                "dir": "rtl" if info["bidi"] else "ltr",
                "current": code == current,
            }
        )
    return languages
