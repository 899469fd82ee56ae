"""The household's own pages (``newcomers.household_views``): no address takes an id."""

from django.urls import path

from . import household_views as views

app_name = "household"

urlpatterns = [
    path("open/<str:token>/", views.open_link, name="open"),
    path("", views.start, name="start"),
    path("proposal/", views.proposal, name="proposal"),
    path("concern/", views.concern, name="concern"),
    path("concern/sent/", views.concern_sent, name="concern_sent"),
    path("leave/", views.leave, name="leave"),
]
