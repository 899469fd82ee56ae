from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm

from .emails import canonical_email_or_none


class PasswordLinkForm(PasswordResetForm):
    """ "Forgot your password?" also for a volunteer who never chose one: the link in the welcome
    e-mail expires, and a new one must be possible to get."""

    def get_users(self, email):
        # The canonical form, compared exactly: ``__iexact`` would take ``annı@`` for ``anni@``.
        address = canonical_email_or_none(email)
        if address is None:
            return []
        user_model = get_user_model()
        email_field = user_model.get_email_field_name()
        return user_model._default_manager.filter(**{email_field: address, "is_active": True})
