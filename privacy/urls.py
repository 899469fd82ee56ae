from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("record/", views.record_of_processing, name="record"),
    path("requests/", views.data_request, name="data_request"),
]
