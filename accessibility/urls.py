from django.urls import path

from . import views

app_name = "accessibility"

urlpatterns = [
    path("", views.statement_page, name="statement"),
    path("report/", views.report, name="report"),
    path("report/sent/", views.report_sent, name="report_sent"),
]
