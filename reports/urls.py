from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.partnerships, name="partnerships"),
    path("national/", views.national, name="national"),
    path("national/runs/", views.national_runs, name="national_runs"),
    path("national/request/", views.request_national, name="national_request"),
    path("<int:partnership_id>/", views.partnership, name="partnership"),
    path("<int:partnership_id>/runs/", views.runs, name="runs"),
    path("<int:partnership_id>/request/", views.request_report, name="request"),
    path("runs/<int:run_id>/pdf/", views.download, {"file_kind": "pdf"}, name="download_pdf"),
    path("runs/<int:run_id>/xlsx/", views.download, {"file_kind": "xlsx"}, name="download_xlsx"),
]
