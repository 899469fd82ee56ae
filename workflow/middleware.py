"""A refusal that no view handled itself becomes a page, never a 500.

Views that show a form catch a ``DomainError`` and put its message on the form. Any other
refusal reaches this middleware, which answers with the error's own status (403, 400 or 409) and a
page that shows the message once, in the person's language, in the admin's look for admin pages.
"""

from django.template.response import TemplateResponse

from .errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        in_admin = request.path.startswith("/admin/")
        template = "admin/domain_error.html" if in_admin else "domain_error.html"
        context = {"message": exception.message, "status": exception.status}
        if in_admin:
            from django.contrib import admin

            context.update(admin.site.each_context(request))
        response = TemplateResponse(request, template, context, status=exception.status)
        return response.render()
