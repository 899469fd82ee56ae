from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from .actions import security_event
from .models import SecurityEvent


@receiver(user_login_failed, dispatch_uid="privacy-login-failed")
def login_failed(sender, credentials, request=None, **kwargs):
    security_event(kind=SecurityEvent.Kind.LOGIN_FAILED, path=getattr(request, "path", ""))


@receiver(user_locked_out, dispatch_uid="privacy-locked-out")
def locked_out(sender, request=None, **kwargs):
    security_event(kind=SecurityEvent.Kind.LOCKED_OUT, path=getattr(request, "path", ""))
