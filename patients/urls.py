from django.urls import path

from . import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("icd/", views.icd_search, name="icd_search"),
    path("<uuid:public_id>/", views.patient_chart, name="chart"),
    path("<uuid:public_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:public_id>/history/", views.patient_history, name="history"),
    path("<uuid:patient_id>/surgeries/new/", views.surgery_create, name="surgery_create"),
    path("surgeries/<uuid:surgery_id>/edit/", views.surgery_edit, name="surgery_edit"),
    path("<uuid:patient_id>/evaluations/new/", views.evaluation_create, name="evaluation_create"),
    path("evaluations/<uuid:evaluation_id>/edit/", views.evaluation_edit, name="evaluation_edit"),
    path("<uuid:patient_id>/diagnoses/new/", views.diagnosis_create, name="diagnosis_create"),
    path("diagnoses/<uuid:diagnosis_id>/edit/", views.diagnosis_edit, name="diagnosis_edit"),
    path(
        "surgeries/<uuid:surgery_id>/entered-in-error/", views.surgery_entered_in_error, name="surgery_entered_in_error"
    ),
    path(
        "evaluations/<uuid:evaluation_id>/entered-in-error/",
        views.evaluation_entered_in_error,
        name="evaluation_entered_in_error",
    ),
    path(
        "diagnoses/<uuid:diagnosis_id>/entered-in-error/",
        views.diagnosis_entered_in_error,
        name="diagnosis_entered_in_error",
    ),
    path("attachments/<uuid:attachment_id>/", views.attachment_download, name="attachment_download"),
]
