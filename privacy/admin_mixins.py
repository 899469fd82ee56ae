from .actions import log_access
from .models import AccessLog


class AccessLoggedAdminMixin:
    """Opening a record with personal data in the admin writes one row to the access log."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", 200) == 200:
            obj = getattr(response, "context_data", {}).get("original")
            if obj is not None:
                log_access(user=request.user, action=AccessLog.Action.VIEW, obj=obj, where="admin")
        return response
