"""Log-in, log-out, the second factor and passwords, under /accounts/.

The password change and the second-factor pages are never kept in a cache (``never_cache`` sends
``Cache-Control: no-store``); the log-in, log-out and password reset views do that themselves.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.cache import never_cache

from .forms import PasswordLinkForm
from .two_factor import two_factor

urlpatterns = [
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordLinkForm),
        name="password_reset",
    ),
    path(
        "password_change/",
        never_cache(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password_change/done/",
        never_cache(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("", include("django.contrib.auth.urls")),
    path("two-factor/", two_factor, name="two_factor"),
]
