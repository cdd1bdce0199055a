"""Staff pages of outcomes, mounted at /outcomes/ (the patient's survey pages have their own urls)."""

from django.urls import path

from . import views_staff

app_name = "outcome_reports"

urlpatterns = [
    path("", views_staff.outcomes_page, name="page"),
    path("export.csv", views_staff.outcomes_csv, name="csv"),
]
