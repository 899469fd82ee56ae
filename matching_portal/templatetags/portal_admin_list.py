"""``{% portal_result_list cl %}``: Django's ``{% result_list cl %}``, its rows written in Python
(``matching_portal/admin_list.py``), used by ``templates/admin/change_list.html``; and
``{% portal_app_list %}``: Django's ``admin/app_list.html`` written in Python
(``matching_portal/admin_menu.py``), used by ``templates/admin/app_list.html``."""

from django import template

from matching_portal.admin_fieldset import fieldset_html
from matching_portal.admin_list import result_list_tag
from matching_portal.admin_menu import app_list_html

register = template.Library()
register.tag("portal_result_list", result_list_tag)


@register.simple_tag(takes_context=True)
def portal_app_list(context):
    return app_list_html(
        context.get("app_list"), context.get("show_changelinks"), context.get("request")
    )


@register.simple_tag(takes_context=True)
def portal_fieldset(context):
    return fieldset_html(
        context.get("fieldset"),
        context.get("heading_level"),
        context.get("prefix", ""),
        context.get("id_prefix", ""),
        context.get("id_suffix", ""),
    )
