from django.urls import path

from . import staff_views, views

app_name = "outreach"

urlpatterns = [
    # Public: a municipality's page, its meetings and a person's own sign-up (signed links).
    path("kommun/", views.pick_municipality, name="pick"),
    # A municipality by its official code (kommunkod), e.g. /kommun/1280/ for Malmö.
    path("kommun/<int:municipality_code>/", views.municipality, name="municipality"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/sent/", views.sent, name="sent"),
    path("meetings/confirm/<str:token>/", views.confirm, name="confirm"),
    path("meetings/my-place/<str:token>/", views.my_signup, name="my_signup"),
    path("meetings/my-place/<str:token>/calendar.ics", views.calendar, name="calendar"),
    # The organisers' pages, in the volunteers' web app.
    path("volunteer/meetings/", staff_views.meetings, name="staff_meetings"),
    path("volunteer/meetings/new/", staff_views.plan, name="staff_plan"),
    path("volunteer/meetings/<int:meeting_id>/", staff_views.meeting, name="staff_meeting"),
    path("volunteer/meetings/<int:meeting_id>/change/", staff_views.change, name="staff_change"),
    path("volunteer/meetings/<int:meeting_id>/cancel/", staff_views.cancel, name="staff_cancel"),
    path(
        "volunteer/meetings/<int:meeting_id>/attendance/",
        staff_views.attendance,
        name="staff_attendance",
    ),
]
