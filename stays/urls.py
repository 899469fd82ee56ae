from django.urls import path

from . import views

app_name = "stays"

# One address per survey point (no text in the path but the fixed words): reverse them with
# ``kwargs={"point": evaluation.point}``.
POINTS = {"month_1": "month-1", "end": "end"}

urlpatterns = [
    # The host's own survey, through self-service.
    *(
        path(
            f"my-offer/evaluation/{slug}/",
            views.host_evaluation,
            {"point": point},
            name="host_evaluation",
        )
        for point, slug in POINTS.items()
    ),
    # The household's own survey, through its own link.
    *(
        path(
            f"household/evaluation/{slug}/",
            views.household_evaluation,
            {"point": point},
            name="household_evaluation",
        )
        for point, slug in POINTS.items()
    ),
    # The survey open now (the household's start page links here). Last, so that reversing the
    # name without a point gives this address.
    path("household/evaluation/", views.household_evaluation, name="household_evaluation"),
]
