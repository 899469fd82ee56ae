from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as accounts_views
from accounts.forms import PasswordLinkForm
from accounts.two_factor import two_factor

admin.site.site_header = _("Housing portal administration")
admin.site.site_title = _("Housing portal")
admin.site.index_title = _("Workplace")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordLinkForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("volunteer/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("privacy-officer/", include("privacy.urls")),
    path("accounts/two-factor/", two_factor, name="two_factor"),
    path("home/", accounts_views.home, name="home"),
    path("", include("hosts.urls")),
]

handler403 = "privacy.views.permission_denied"
