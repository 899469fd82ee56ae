"""``remembered_reverse``: Django's ``reverse``, its answer remembered for the URL names every
page asks for (the header's links, the admin's menu of models).

Such an address depends only on the URLs in use, the script prefix, the language and the
current app, so it is kept on the resolver of the URLs in use (a new resolver, as after
``clear_url_caches`` or another ``ROOT_URLCONF``, starts empty) under the others. Only names
without arguments or with keyword arguments that are strings (``app_label``) are remembered,
so what is kept stays as small as the list of URL names; anything else is reversed each time.
A name that does not reverse raises ``NoReverseMatch`` every time.
"""

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language


def remembered_reverse(view_name: str, *, current_app=None, kwargs=None) -> str:
    if kwargs and not all(isinstance(value, str) for value in kwargs.values()):
        return reverse(view_name, kwargs=kwargs, current_app=current_app)
    remembered = get_resolver(get_urlconf()).__dict__.setdefault("_portal_reversed", {})
    key = (
        view_name,
        tuple(sorted(kwargs.items())) if kwargs else (),
        current_app,
        get_script_prefix(),
        get_language(),
    )
    address = remembered.get(key)
    if address is None:
        address = remembered[key] = reverse(view_name, kwargs=kwargs, current_app=current_app)
    return address
