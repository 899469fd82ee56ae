from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    # Public: a municipality's page, its meetings and a person's own sign-up (signed links).
    path("kommun/", views.pick_municipality, name="pick"),
    path("kommun/<str:code>/", views.municipality, name="municipality"),
    path("kommun/<str:code>/meetings/<int:pk>/", views.meeting, name="meeting"),
    path("kommun/<str:code>/meetings/<int:pk>/sent/", views.sent, name="sent"),
    path("meetings/confirm/<str:token>/", views.confirm, name="confirm"),
    path("meetings/my-place/<str:token>/", views.my_signup, name="my_signup"),
    path("meetings/my-place/<str:token>/calendar.ics", views.calendar, name="calendar"),
]
