from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as accounts_views

admin.site.site_header = _("Housing portal administration")
admin.site.site_title = _("Housing portal")
admin.site.index_title = _("Workplace")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("volunteer/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("privacy-officer/", include("privacy.urls")),
    path("home/", accounts_views.home, name="home"),
    path("household/", include("newcomers.household_urls")),
    path("", include("hosts.urls")),
]

handler403 = "privacy.views.permission_denied"
