from django.urls import path

from . import views

app_name = "hosts"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("offer/", views.register, name="register"),
    path("offer/check/", views.check_answers, name="check"),
    path("offer/sent/", views.sent, name="sent"),
    path("offer/confirm/<str:token>/", views.confirm, name="confirm"),
    path("my-offer/link/", views.request_link, name="request_link"),
    path("my-offer/open/<str:token>/", views.open_link, name="open_link"),
    path("my-offer/", views.my_offer, name="my_offer"),
    path("my-offer/change/", views.change_offer, name="change_offer"),
    path("my-offer/pause/", views.host_step, {"step": "pause"}, name="pause"),
    path("my-offer/resume/", views.host_step, {"step": "resume"}, name="resume"),
    path("my-offer/reopen/", views.host_step, {"step": "reopen"}, name="reopen"),
    path("my-offer/withdraw/", views.host_step, {"step": "withdraw"}, name="withdraw"),
    path("my-offer/concern/", views.raise_concern, name="raise_concern"),
    path("my-offer/data/", views.download_data, name="download_data"),
    path("my-offer/erase/", views.erase, name="erase"),
    path("my-offer/leave/", views.leave, name="leave"),
    path("my-offer/language/", views.set_language, name="language"),
]
