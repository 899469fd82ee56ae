"""``{% portal_result_list cl %}``: Django's ``{% result_list cl %}``, its rows written in Python
(``matching_portal/admin_list.py``); used by ``templates/admin/change_list.html``."""

from django import template

from matching_portal.admin_list import result_list_tag

register = template.Library()
register.tag("portal_result_list", result_list_tag)
