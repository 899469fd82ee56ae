from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as accounts_views
from newcomers import language_views

admin.site.site_header = _("Housing portal administration")
admin.site.site_title = _("Housing portal")
admin.site.index_title = _("Workplace")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # The household's own pages choose among its seven languages (staff and host pages: sv, en).
    path("i18n/household/", language_views.choose_language, name="household_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("volunteer/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("privacy-officer/", include("privacy.urls")),
    path("home/", accounts_views.home, name="home"),
    path("accessibility/", include("accessibility.urls")),
    path("", include("stays.urls")),
    path("household/", include("newcomers.household_urls")),
    path("", include("outreach.urls")),
    # Tagged links (/t/<code>/) and the coordinators' pages for them (issue 20, "link").
    path("", include("outreach.link_urls")),
    path("", include("hosts.urls")),
]

handler403 = "privacy.views.permission_denied"
