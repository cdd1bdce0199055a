"""The outcomes app's pages, in three namespaces (fbss_clinic/urls.py mounts them):

- ``outcome_reports`` (staff, at /outcomes/): the clinic's outcomes page and its export;
- ``surveys`` (staff, at /outcomes/): schedules, enrolments, invitations, safety alerts;
- ``survey`` (the patient, at /survey/): no login, the token in the path is the key.
"""

from django.urls import path

from . import views_staff, views_survey, views_surveys

reports = (
    [
        path("", views_staff.outcomes_page, name="page"),
        path("export.csv", views_staff.outcomes_csv, name="csv"),
    ],
    "outcome_reports",
)

surveys = (
    [
        path("schedules/", views_surveys.schedules, name="schedules"),
        path("schedules/<uuid:schedule_id>/", views_surveys.schedule, name="schedule"),
        path("patients/<uuid:patient_id>/surveys/enrol/", views_surveys.enrol, name="enrol"),
        path("patients/<uuid:patient_id>/surveys/stop/", views_surveys.stop_switch, name="stop"),
        path("enrolments/<uuid:enrolment_id>/end/", views_surveys.enrolment_end, name="enrolment_end"),
        path("invitations/<uuid:invitation_id>/resend/", views_surveys.resend, name="resend"),
        path("invitations/<uuid:invitation_id>/handover/", views_surveys.handover, name="handover"),
        path("alerts/<uuid:alert_id>/", views_surveys.alert, name="alert"),
        path("alerts/<uuid:alert_id>/acknowledge/", views_surveys.alert_ack, name="alert_ack"),
    ],
    "surveys",
)

survey = (
    [
        path("kiosk/", views_survey.kiosk_idle, name="kiosk"),
        path("<str:token>/", views_survey.survey_start, name="start"),
        path("<str:token>/<int:number>/", views_survey.survey_page, name="page"),
        path("<str:token>/send/", views_survey.survey_submit, name="submit"),
        path("<str:token>/done/", views_survey.survey_done, name="done"),
    ],
    "survey",
)
