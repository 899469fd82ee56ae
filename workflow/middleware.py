"""A refusal that no view handled itself becomes a page, never a 500.

Views that show a form catch a ``DomainError`` and put its message on the form. Any other
refusal reaches this middleware, which answers with the error's own status (403, 400 or 409) and a
page that shows the message once, in the person's language, in the admin's look for admin pages.
"""

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


class ControlCharactersInAddressMiddleware:
    """An address with a control character in its path or query string (``?q=%00`` in the
    admin's search box, a list filter, an autocomplete) is answered 400 with a message before a
    search or filter sends it to the database (PostgreSQL refuses a NUL byte). Forms sent by POST
    are checked field by field (``workflow.form_input``)."""

    message = _(
        "The address contains an invisible control character (%(character)s), for example in "
        "a search. Remove it and try again."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        character = find_control_character([request.path, *request.GET.lists()])
        if character is not None:
            message = self.message % {"character": code_point(character)}
            return refusal_page(request, Invalid(message))
        return self.get_response(request)
