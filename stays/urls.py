from django.urls import path

from . import views

app_name = "stays"

urlpatterns = [
    # The host's own survey, through self-service.
    path("my-offer/evaluation/<str:point>/", views.host_evaluation, name="host_evaluation"),
    # The household's own survey, through its own link.
    path(
        "household/evaluation/<str:point>/",
        views.household_evaluation,
        name="household_evaluation",
    ),
]
