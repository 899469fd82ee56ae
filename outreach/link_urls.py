"""The short address of a tagged link, and the coordinators' pages for links and notices."""

from django.urls import path

from . import link_views

app_name = "outreach_links"

urlpatterns = [
    path("t/<str:code>/", link_views.follow, name="follow"),
    path("volunteer/links/", link_views.links, name="links"),
    path("volunteer/links/<int:source_id>/", link_views.link, name="link"),
    path("volunteer/links/<int:source_id>/retire/", link_views.retire, name="retire"),
    path(
        "volunteer/links/<int:source_id>/qr.svg",
        link_views.qr_code,
        {"file_kind": "svg"},
        name="qr_svg",
    ),
    path(
        "volunteer/links/<int:source_id>/qr.png",
        link_views.qr_code,
        {"file_kind": "png"},
        name="qr_png",
    ),
    path("volunteer/volunteers-wanted/", link_views.volunteers_wanted, name="volunteers_wanted"),
    path(
        "volunteer/volunteers-wanted/<int:notice_id>/take-down/",
        link_views.take_down,
        name="take_down",
    ),
]
