"""The patient's survey pages, mounted at /survey/ (no login; the token in the path is the key)."""

from django.urls import path

from . import views_survey

app_name = "survey"

urlpatterns = [
    path("kiosk/", views_survey.kiosk_idle, name="kiosk"),
    path("<str:token>/", views_survey.survey_start, name="start"),
    path("<str:token>/<int:number>/", views_survey.survey_page, name="page"),
    path("<str:token>/send/", views_survey.survey_submit, name="submit"),
    path("<str:token>/done/", views_survey.survey_done, name="done"),
]
