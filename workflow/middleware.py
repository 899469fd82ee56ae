"""A refusal that no view handled itself becomes a page, never a 500.

Views that show a form catch a ``DomainError`` and put its message on the form. Any other
refusal reaches this middleware, which answers with the error's own status (403, 400 or 409) and a
page that shows the message once, in the person's language, in the admin's look for admin pages.
"""

from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, Invalid
from .form_input import code_point, find_control_character


def refusal_page(request, error: DomainError):
    in_admin = request.path.startswith("/admin/")
    template = "admin/domain_error.html" if in_admin else "domain_error.html"
    context = {"message": error.message, "status": error.status}
    if in_admin:
        from django.contrib import admin

        context.update(admin.site.each_context(request))
    response = TemplateResponse(request, template, context, status=error.status)
    return response.render()


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        return refusal_page(request, exception)


# Names of a POST that the admin reads itself, without a form: the changelist's actions and
# selection, the buttons of a change form, and the list's filters it carries along.
ADMIN_POST_NAMES = {
    "_selected_action",
    "action",
    "index",
    "select_across",
    "post",
    "_popup",
    "_to_field",
    "_changelist_filters",
    "_save",
    "_continue",
    "_addanother",
    "_saveasnew",
}


def _query_texts(query) -> list:
    """The names and values of a ``QueryDict``, and those of the list's filters the admin carries
    in ``_changelist_filters`` (a query string inside the query string, decoded once more)."""
    texts = [*query.lists()]
    for carried in query.getlist("_changelist_filters"):
        texts += [*QueryDict(carried).lists()]
    return texts


class ControlCharactersInAddressMiddleware:
    """An address with a control character in its path or query string (``?q=%00`` in the
    admin's search box, a list filter, an autocomplete, the ordering, the date hierarchy, the
    filters carried in ``_changelist_filters``) is answered 400 with a message before a search or
    filter sends it to the database (PostgreSQL refuses a NUL byte). So is a form sent by POST
    with one in a field's name, or in a value the admin reads without a form (the changelist's
    selection and action, a change form's buttons): the values of form fields are checked field
    by field, with the message on the field (``workflow.form_input``). The selection of a
    changelist action must be ids of the list's model (Django's admin answered "abc" with a 500)."""

    message = _(
        "The address contains an invisible control character (%(character)s), for example in "
        "a search. Remove it and try again."
    )
    sent_message = _(
        "The page sent an invisible control character (%(character)s) that cannot be read. "
        "Reload the page and try again."
    )
    selection_message = _("The selection holds something that is not one of the list's rows.")
    date_message = _("The address holds a date that cannot be shown. Choose the date again.")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        character = find_control_character([request.path, *_query_texts(request.GET)])
        if character is not None:
            return self._refuse(request, self.message, character)
        if request.method == "POST" and _is_form_encoded(request):
            post = request.POST
            sent = [list(post.keys())]
            sent += [post.getlist(name) for name in ADMIN_POST_NAMES if name in post]
            for carried in post.getlist("_changelist_filters"):
                sent += [*QueryDict(carried).lists()]
            character = find_control_character(sent)
            if character is not None:
                return self._refuse(request, self.sent_message, character)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A list's date (its date hierarchy) Python can hold, and a changelist action's
        selection of ids of the model the list shows; else a 400 page."""
        model_admin = getattr(view_func, "model_admin", None)
        if model_admin is None:
            return None
        if model_admin.date_hierarchy:
            # Django's admin turns a year it cannot read into its "?e=1" page, but answered a
            # number too big for a date with a 500 (OverflowError).
            for part in ("year", "month", "day"):
                value = request.GET.get(f"{model_admin.date_hierarchy}__{part}", "").strip()
                if value.lstrip("+-").isdigit() and not 0 <= int(value) <= 9999:
                    return refusal_page(request, Invalid(self.date_message))
        if request.method != "POST" or not _is_form_encoded(request):
            return None
        primary_key = model_admin.model._meta.pk
        ranges = connection.ops.integer_field_ranges
        low, high = ranges.get(primary_key.get_internal_type(), (None, None))
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                key = primary_key.to_python(value)
            except ValidationError:
                key = None
            out_of_range = isinstance(key, int) and not (
                (low is None or key >= low) and (high is None or key <= high)
            )
            if key is None or out_of_range:
                return refusal_page(request, Invalid(self.selection_message))
        return None

    def _refuse(self, request, message, character):
        return refusal_page(request, Invalid(message % {"character": code_point(character)}))


def _is_form_encoded(request) -> bool:
    return request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
