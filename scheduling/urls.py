from datetime import date

from django.urls import path, register_converter

from . import views


class IsoDateConverter:
    """``2026-11-23`` in the path; an impossible date (2026-02-30) is simply no match: 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError means "no match"

    def to_url(self, value: date) -> str:
        return value.isoformat()


register_converter(IsoDateConverter, "isodate")

app_name = "scheduling"
urlpatterns = [
    path("", views.today, name="today"),
    path("day/", views.day_pick, name="day_pick"),
    path("day/<isodate:day>/", views.day, name="day"),
    path("week/<int:provider_id>/<isodate:day>/", views.week, name="week"),
    path("arrivals/", views.arrivals, name="arrivals"),
    path("worklist/", views.worklist, name="worklist"),
    path("next-free/", views.next_free, name="next_free"),
    path("rules/", views.rules, name="rules"),
    path("rules/reminders/", views.reminder_settings, name="reminder_settings"),
    path("book/", views.book, name="book"),
    path("book/patient/<uuid:patient_id>/", views.book_for_patient, name="book_patient"),
    path("book/follow-up/<uuid:follow_up_id>/", views.book_follow_up, name="book_follow_up"),
    path("follow-ups/<uuid:follow_up_id>/dismiss/", views.follow_up_dismiss, name="follow_up_dismiss"),
    path("appointments/<uuid:appointment_id>/", views.appointment_detail, name="appointment"),
    path("appointments/<uuid:appointment_id>/reschedule/", views.appointment_reschedule, name="reschedule"),
    path("appointments/<uuid:appointment_id>/cancel/", views.appointment_cancel, name="cancel"),
    path("appointments/<uuid:appointment_id>/reminders/resend/", views.reminder_resend, name="reminder_resend"),
    # One route per click of views.ACTIONS (no free-form action in the path: every route is a known page).
    *(
        path(
            f"appointments/<uuid:appointment_id>/{action}/",
            views.appointment_action,
            {"action": action},
            name=action.replace("-", "_"),
        )
        for action in views.ACTIONS
    ),
]
