from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from . import actions

        def hand_over_on_logout(sender, request, user, **kwargs):
            # Shift hand-over: whatever the volunteer held goes back to the queue.
            if user is not None:
                actions.release_claims(volunteer=user)

        user_logged_out.connect(hand_over_on_logout, dispatch_uid="volunteers-hand-over")
