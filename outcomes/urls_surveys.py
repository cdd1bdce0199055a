"""Staff pages of surveys, mounted at /outcomes/ beside the outcome reports."""

from django.urls import path

from . import views_surveys

app_name = "surveys"

urlpatterns = [
    path("schedules/", views_surveys.schedules, name="schedules"),
    path("schedules/<uuid:schedule_id>/", views_surveys.schedule, name="schedule"),
    path("patients/<uuid:patient_id>/surveys/enrol/", views_surveys.enrol, name="enrol"),
    path("patients/<uuid:patient_id>/surveys/stop/", views_surveys.stop_switch, name="stop"),
    path("enrolments/<uuid:enrolment_id>/end/", views_surveys.enrolment_end, name="enrolment_end"),
    path("invitations/<uuid:invitation_id>/resend/", views_surveys.resend, name="resend"),
    path("invitations/<uuid:invitation_id>/handover/", views_surveys.handover, name="handover"),
    path("alerts/<uuid:alert_id>/", views_surveys.alert, name="alert"),
    path("alerts/<uuid:alert_id>/acknowledge/", views_surveys.alert_ack, name="alert_ack"),
]
