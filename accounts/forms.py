from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm


class PasswordLinkForm(PasswordResetForm):
    """ "Forgot your password?" also for a volunteer who never chose one: the link in the welcome
    e-mail expires, and a new one must be possible to get."""

    def get_users(self, email):
        user_model = get_user_model()
        email_field = user_model.get_email_field_name()
        return user_model._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
