"""Appointment reminders: rows queued at booking by channel and consent, quiet hours and time zones,
reschedule and cancel, the check at send time, the patient's link, failures on the worklist."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.urls import reverse

from notifications import dispatch, links
from notifications.models import Message, Status
from notifications.tests.servers import SmtpSink
from patients.models import PatientStatus
from patients.tests.factories import PatientFactory
from scheduling import reminders, services
from scheduling.models import Appointment, AppointmentStatus, ClinicReminderSettings, FollowUp, FollowUpKind

from .conftest import MONDAY, type_of

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
# The Friday before MONDAY, noon in Chicago: every test's "now" unless it says otherwise.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO)
TEN = datetime.combine(MONDAY, time(10, 0), tzinfo=CHICAGO)  # the usual appointment's start
TOKEN_IN_BODY = r"/a/([A-Za-z0-9_-]{43})/"


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinic(calendar_a: Any) -> Any:
    calendar_a.address = "1 Lake Street\nChicago, IL 60601"
    calendar_a.phone = "+1 312 555 0100"
    calendar_a.email = "desk@clinic-a.example.org"
    calendar_a.save()
    return calendar_a


def patient(clinic: Any, **fields: Any) -> Any:
    defaults = {"consent_email": True, "email": "pat@example.org", "mobile_phone": "", "preferred_channel": "email"}
    return PatientFactory.create(clinic=clinic, **{**defaults, **fields})


def book(clinic: Any, who: Any, doctor: Any, at: datetime, **kw: Any) -> Appointment:
    return services.book(
        clinic=clinic, patient=who, provider=doctor, appointment_type=type_of(clinic, "follow_up"), starts_at=at,
        by=doctor, **kw,
    )  # fmt: skip


def send_the_48h_reminder(appointment: Appointment, clock: Any) -> None:
    """The clock one hour past the 48-hour reminder's due time, and the outbox run once."""
    clock.move_to(appointment.starts_at - timedelta(hours=47))
    dispatch.dispatch_due()


def rows(appointment: Appointment) -> list[Message]:
    return list(Message.objects.filter(owner_ref=appointment.owner_ref).order_by("due_at"))


def token_of(message: Message) -> str:
    import re

    found = re.search(TOKEN_IN_BODY, message.body)
    assert found, "the reminder carries the patient's link"
    return found.group(1)


# --- Rows at booking ----------------------------------------------------------------------------


def test_booking_queues_e_mail_reminders_48_and_2_hours_before(clinic, physician_a):
    a = book(clinic, patient(clinic), physician_a, TEN)
    first, second = rows(a)
    assert (first.channel, second.channel) == ("email", "email")
    assert first.due_at == a.starts_at - timedelta(hours=48)
    assert second.due_at == a.starts_at - timedelta(hours=2)
    assert first.idempotency_key == f"appointment:{a.pk}:reminder:48h:email:v{reminders.VERSION}"
    assert {first.status, second.status} == {Status.PENDING}
    assert first.purpose == reminders.PURPOSE and first.clinic_id == clinic.pk
    body = first.body
    assert "Monday 23 November 2026, 10:00" in body
    assert clinic.name in body and "1 Lake Street, Chicago, IL 60601" in body and "+1 312 555 0100" in body
    assert "Follow-up" not in body and "Follow-up" not in first.subject  # no clinical detail
    assert a.patient.family_name not in body
    [attachment] = first.attachments
    event = icalendar.Calendar.from_ical(attachment["content"]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == a.starts_at.astimezone(UTC)
    # The same link in both, stored only as a hash.
    assert token_of(first) == token_of(second)
    assert links.resolve(token_of(first), purpose=reminders.LINK_PURPOSE).ok


def test_booking_twice_the_same_reminders_is_idempotent(clinic, physician_a):
    a = book(clinic, patient(clinic), physician_a, TEN)
    reminders.schedule(a)
    assert len(rows(a)) == 2


def test_a_patient_who_prefers_sms_gets_sms_in_e164(clinic, physician_a, settings):
    settings.FBSS_SMS_DEFAULT_REGION = "US"
    who = patient(clinic, preferred_channel="sms", consent_sms=True, mobile_phone="(312) 555-0142")
    a = book(clinic, who, physician_a, TEN)
    messages = rows(a)
    assert [m.channel for m in messages] == ["sms", "sms"]
    assert {m.recipient for m in messages} == {"+13125550142"}
    assert all(m.subject == "" and m.attachments == [] for m in messages)
    assert "10:00" in messages[0].body and "/a/" in messages[0].body


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"preferred_channel": "sms", "consent_sms": True, "mobile_phone": "not a number"}, "email"),
        ({"preferred_channel": "sms", "consent_sms": True, "mobile_phone": "+44 20 7946 0000"}, "email"),  # landline
        ({"preferred_channel": "sms", "consent_sms": False, "mobile_phone": "+1 312 555 0142"}, "email"),
        ({"preferred_channel": "email", "consent_email": False, "consent_sms": True,
          "mobile_phone": "+1 312 555 0142"}, "sms"),
        ({"consent_email": False}, None),
        ({"preferred_channel": "sms", "consent_sms": True, "consent_email": False, "mobile_phone": "12"}, None),
        ({"preferred_channel": "none"}, None),
    ],
)  # fmt: skip
def test_the_channel_follows_preference_consent_and_a_usable_number(clinic, physician_a, fields, expected):
    a = book(clinic, patient(clinic, **fields), physician_a, TEN)
    channels = {m.channel for m in rows(a)}
    assert channels == ({expected} if expected else set())


def test_a_reminder_already_due_at_booking_goes_now_and_only_once(clinic, physician_a):
    soon = NOW + timedelta(hours=5)  # 48 h has passed, 2 h has not
    a = book(clinic, patient(clinic), physician_a, soon, override_reason="fitted in")
    first, second = rows(a)
    assert first.due_at == NOW and second.due_at == soon - timedelta(hours=2)
    sooner = NOW + timedelta(hours=1)  # both passed: one message now, not two
    b = book(clinic, patient(clinic), physician_a, sooner + timedelta(minutes=30), override_reason="fitted in")
    [only] = rows(b)
    assert only.due_at == NOW and only.idempotency_key.endswith(":2h:email:v1")


def test_no_reminders_for_a_past_appointment(clinic, physician_a):
    a = book(clinic, patient(clinic), physician_a, NOW - timedelta(hours=3), override_reason="recorded late")
    assert rows(a) == []


# --- Quiet hours and time zones -----------------------------------------------------------------


def test_an_sms_due_in_quiet_hours_moves_to_their_end_or_is_skipped(clinic, physician_a):
    who = patient(clinic, preferred_channel="sms", consent_sms=True, mobile_phone="+1 312 555 0142")
    # Tuesday 00:30: 48 h before is Sunday 00:30 (quiet: moves to Sunday 08:00); 2 h before is
    # Monday 22:30 (quiet, and 08:00 is after the appointment: skipped).
    at = datetime.combine(MONDAY + timedelta(days=1), time(0, 30), tzinfo=CHICAGO)
    a = book(clinic, who, physician_a, at, override_reason="night clinic")
    early, late = rows(a)
    assert early.status == Status.PENDING
    assert early.due_at == datetime(2026, 11, 22, 8, 0, tzinfo=CHICAGO)
    assert late.status == Status.SKIPPED and late.last_error == "quiet hours"
    assert late.idempotency_key.endswith(":2h:sms:v1")


def test_an_sms_due_at_22_30_goes_at_08_00_when_that_is_still_before(clinic, physician_a):
    ClinicReminderSettings.objects.create(clinic=clinic, hours_before=[12])
    who = patient(clinic, preferred_channel="sms", consent_sms=True, mobile_phone="+1 312 555 0142")
    a = book(clinic, who, physician_a, datetime.combine(MONDAY, time(10, 30), tzinfo=CHICAGO))  # 12 h before: 22:30
    [m] = rows(a)
    assert m.status == Status.PENDING and m.due_at == datetime.combine(MONDAY, time(8, 0), tzinfo=CHICAGO)


def test_e_mail_is_not_held_back_by_quiet_hours(clinic, physician_a):
    ClinicReminderSettings.objects.create(clinic=clinic, hours_before=[12])
    a = book(clinic, patient(clinic), physician_a, datetime.combine(MONDAY, time(10, 30), tzinfo=CHICAGO))
    [m] = rows(a)
    assert m.due_at == datetime.combine(MONDAY - timedelta(days=1), time(22, 30), tzinfo=CHICAGO)


def test_reminders_across_a_clock_change_are_exact_hours_and_show_the_local_time(clinic, physician_a):
    # Chicago leaves daylight time on Sunday 2026-11-01; the appointment is Monday 09:00 CST.
    with time_machine.travel(datetime(2026, 10, 28, 12, 0, tzinfo=CHICAGO), tick=False):
        a = book(clinic, patient(clinic), physician_a, datetime(2026, 11, 2, 9, 0, tzinfo=CHICAGO))
    first, second = rows(a)
    assert a.starts_at == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert first.due_at == datetime(2026, 10, 31, 15, 0, tzinfo=UTC)  # Saturday 10:00 CDT: 48 real hours
    assert second.due_at == datetime(2026, 11, 2, 13, 0, tzinfo=UTC)  # 07:00 CST
    assert "Monday 2 November 2026, 09:00" in first.body


def test_quiet_hours_are_read_in_the_clinics_zone_not_the_servers(clinic, physician_a):
    clinic.time_zone = "Europe/Stockholm"
    clinic.save()
    clinic.__dict__.pop("tz", None)
    stockholm = ZoneInfo("Europe/Stockholm")
    who = patient(clinic, preferred_channel="sms", consent_sms=True, mobile_phone="+46 70 123 45 67")
    # Monday 09:00 in Stockholm is 08:00 UTC; 2 h before is 07:00 there (quiet until 08:00), 06:00 UTC.
    a = book(clinic, who, physician_a, datetime.combine(MONDAY, time(9, 0), tzinfo=stockholm), override_reason="x")
    _early, late = rows(a)
    assert late.due_at == datetime.combine(MONDAY, time(8, 0), tzinfo=stockholm)
    assert late.due_at == datetime.combine(MONDAY, time(7, 0), tzinfo=UTC)
    assert "09:00" in late.body


# --- Reschedule, cancel, and the check at send time ---------------------------------------------


def test_rescheduling_replaces_the_reminders_and_the_link(clinic, physician_a):
    old = book(clinic, patient(clinic), physician_a, TEN)
    old_token = token_of(rows(old)[0])
    new = services.reschedule(
        appointment=old, starts_at=datetime.combine(MONDAY, time(14, 0), tzinfo=CHICAGO), by=physician_a
    )
    assert {m.status for m in rows(old)} == {Status.CANCELLED}
    fresh = rows(new)
    assert [m.status for m in fresh] == [Status.PENDING, Status.PENDING]
    assert "14:00" in fresh[0].body
    assert links.resolve(old_token, purpose=reminders.LINK_PURPOSE).problem == links.Problem.EXPIRED
    assert links.resolve(token_of(fresh[0]), purpose=reminders.LINK_PURPOSE).ok
    # The calendar keeps one event: the same uid, a higher sequence.
    events = [
        icalendar.Calendar.from_ical(m.attachments[0]["content"]).walk("VEVENT")[0] for m in (rows(old)[0], fresh[0])
    ]
    assert str(events[0]["uid"]) == str(events[1]["uid"])
    assert int(str(events[1]["sequence"])) == int(str(events[0]["sequence"])) + 1


def test_cancelling_cancels_the_reminders(clinic, physician_a):
    a = book(clinic, patient(clinic), physician_a, TEN)
    services.cancel(appointment=a, reason="Patient called", by=physician_a)
    assert {m.status for m in rows(a)} == {Status.CANCELLED}


@pytest.mark.parametrize("status", [PatientStatus.DISCHARGED, PatientStatus.DECEASED])
def test_reminders_of_a_patient_no_longer_active_are_skipped_at_send_time(
    clinic, physician_a, mailoutbox, status, clock
):
    who = patient(clinic)
    a = book(clinic, who, physician_a, TEN)
    who.status = status
    who.save()
    send_the_48h_reminder(a, clock)
    first = rows(a)[0]
    assert first.status == Status.SKIPPED and first.last_error == "patient not active"
    assert mailoutbox == []


def test_withdrawn_consent_and_a_cancelled_appointment_skip_at_send_time(clinic, physician_a, mailoutbox, clock):
    who = patient(clinic)
    a = book(clinic, who, physician_a, TEN)
    who.consent_email = False
    who.save()
    send_the_48h_reminder(a, clock)
    assert rows(a)[0].status == Status.SKIPPED and rows(a)[0].last_error == "no consent to e-mail"
    # A row resent by hand for an appointment cancelled meanwhile is skipped too.
    Appointment.objects.filter(pk=a.pk).update(status=AppointmentStatus.CANCELLED, cancel_reason="x")
    reminders.resend(appointment=a, message_id=rows(a)[0].pk)
    dispatch.dispatch_due()
    assert rows(a)[0].last_error == "appointment cancelled" and mailoutbox == []


def test_a_wanted_reminder_is_sent_once(clinic, physician_a, mailoutbox, clock):
    a = book(clinic, patient(clinic), physician_a, TEN)
    send_the_48h_reminder(a, clock)
    dispatch.dispatch_due()
    assert [m.status for m in rows(a)] == [Status.SENT, Status.PENDING]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["pat@example.org"]


# --- The patient's link -------------------------------------------------------------------------


def test_the_link_shows_the_appointment_and_confirms_it_once(client, clinic, physician_a):
    a = book(clinic, patient(clinic), physician_a, TEN)
    url = reverse("appointment_link", args=[token_of(rows(a)[0])])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "Monday 23 November 2026, 10:00" in html and clinic.name in html
    assert a.patient.family_name not in html and "Follow-up" not in html
    done = client.post(url, {"answer": "confirm"})
    assert done.status_code == 200 and 'data-testid="link-done"' in done.content.decode()
    a.refresh_from_db()
    assert a.status == AppointmentStatus.CONFIRMED
    replay = client.post(url, {"answer": "cancel"})
    assert replay.status_code == 410 and "already been used" in replay.content.decode()
    assert not FollowUp.objects.filter(kind=FollowUpKind.CANCEL_REQUEST).exists()
    assert client.get(url).status_code == 410


def test_an_expired_link_changes_nothing(client, clinic, physician_a, clock):
    a = book(clinic, patient(clinic), physician_a, TEN)
    url = reverse("appointment_link", args=[token_of(rows(a)[0])])
    clock.move_to(a.starts_at + timedelta(minutes=1))
    response = client.post(url, {"answer": "confirm"})
    assert response.status_code == 410 and "expired" in response.content.decode()
    a.refresh_from_db()
    assert a.status == AppointmentStatus.SCHEDULED


@pytest.mark.parametrize("token", ["A" * 43, "short", "x" * 200])
def test_a_guessed_link_is_not_found(client, token):
    assert client.get(f"/a/{token}/").status_code == 404
    assert client.post(f"/a/{token}/", {"answer": "confirm"}).status_code == 404


def test_a_link_of_another_purpose_is_not_found(client, clinic, physician_a):
    a = book(clinic, patient(clinic), physician_a, TEN)
    raw = links.issue(purpose="survey", owner_ref=a.owner_ref, expires_at=a.starts_at)
    assert client.post(f"/a/{raw}/", {"answer": "confirm"}).status_code == 404
    a.refresh_from_db()
    assert a.status == AppointmentStatus.SCHEDULED


def test_the_link_needs_csrf_on_post(clinic, physician_a):
    from django.test import Client

    a = book(clinic, patient(clinic), physician_a, TEN)
    strict = Client(enforce_csrf_checks=True)
    url = reverse("appointment_link", args=[token_of(rows(a)[0])])
    assert strict.post(url, {"answer": "confirm"}).status_code == 403
    a.refresh_from_db()
    assert a.status == AppointmentStatus.SCHEDULED


def test_asking_to_cancel_by_link_puts_a_call_back_on_the_worklist(client, login, clinic, physician_a, frontdesk_a):
    who = patient(clinic)
    a = book(clinic, who, physician_a, TEN)
    url = reverse("appointment_link", args=[token_of(rows(a)[0])])
    assert client.post(url, {"answer": "cancel"}).status_code == 200
    a.refresh_from_db()
    assert a.status == AppointmentStatus.SCHEDULED  # the front desk calls back and cancels
    html = login(frontdesk_a).get(reverse("scheduling:worklist")).content.decode()
    assert "Asked to cancel" in html
    assert f"MRN {who.mrn} · born {who.date_of_birth:%Y-%m-%d}" in html
    assert reverse("scheduling:appointment", args=[a.public_id]) in html
    services.cancel(appointment=a, reason="Patient asked by link", by=frontdesk_a)
    assert "Asked to cancel" not in login(frontdesk_a).get(reverse("scheduling:worklist")).content.decode()


# --- Failures on the worklist, state and resend on the appointment ------------------------------


def test_a_failed_reminder_shows_on_the_worklist_and_is_resent_from_the_appointment(
    login, clinic, physician_a, frontdesk_a, settings, clock
):
    from notifications.tests.servers import free_port

    who = patient(clinic)
    a = book(clinic, who, physician_a, TEN)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2  # nobody listens
    settings.FBSS_OUTBOX_MAX_ATTEMPTS = 1
    send_the_48h_reminder(a, clock)
    failed = rows(a)[0]
    assert failed.status == Status.FAILED
    desk = login(frontdesk_a)
    html = desk.get(reverse("scheduling:worklist")).content.decode()
    assert "Reminder failed" in html and f"MRN {who.mrn}" in html
    page = reverse("scheduling:appointment", args=[a.public_id])
    assert page in html
    detail = desk.get(page).content.decode()
    assert detail.count('data-testid="reminder"') == 2 and "Failed" in detail and failed.last_error in detail
    assert (
        desk.post(reverse("scheduling:reminder_resend", args=[a.public_id]), {"message": failed.pk}).status_code == 302
    )
    failed.refresh_from_db()
    assert failed.status == Status.PENDING and failed.attempts == 0
    assert "Reminder failed" not in desk.get(reverse("scheduling:worklist")).content.decode()


def test_resend_refuses_a_message_of_another_appointment_and_the_outsider(
    login, clinic, physician_a, frontdesk_a, outsider
):
    a = book(clinic, patient(clinic), physician_a, TEN)
    b = book(clinic, patient(clinic), physician_a, datetime.combine(MONDAY, time(11, 0), tzinfo=CHICAGO))
    other = rows(b)[0]
    Message.objects.filter(pk=other.pk).update(status=Status.FAILED)
    desk = login(frontdesk_a)
    desk.post(reverse("scheduling:reminder_resend", args=[a.public_id]), {"message": other.pk})
    desk.post(reverse("scheduling:reminder_resend", args=[a.public_id]), {"message": "1; drop"})
    other.refresh_from_db()
    assert other.status == Status.FAILED
    url = reverse("scheduling:reminder_resend", args=[b.public_id])
    assert login(outsider).post(url, {"message": other.pk}).status_code == 404


def test_the_worklist_query_count_does_not_grow_with_failed_reminders(
    login, clinic, physician_a, frontdesk_a, django_assert_max_num_queries
):
    from conftest import queries_of

    from .test_views import WORKLIST_MAX_QUERIES

    def fail_some(n: int, start: int) -> None:
        for k in range(start, start + n):
            at = datetime.combine(MONDAY + timedelta(days=k // 20), time(8, 0), tzinfo=CHICAGO)
            a = book(clinic, patient(clinic), physician_a, at + timedelta(minutes=20 * (k % 20)))
            Message.objects.filter(owner_ref=a.owner_ref).update(status=Status.FAILED, last_error="SMTP refused")

    desk = login(frontdesk_a)
    url = reverse("scheduling:worklist")
    fail_some(2, 0)
    desk.get(url)
    few = queries_of(desk, url)
    fail_some(40, 2)
    with django_assert_max_num_queries(WORKLIST_MAX_QUERIES + 2):  # the first look creates the items
        desk.get(url)
    assert queries_of(desk, url) == few
    with django_assert_max_num_queries(WORKLIST_MAX_QUERIES):
        html = desk.get(url).content.decode()
    assert html.count("Reminder failed") == 50  # one full page: 84 failed messages, soonest first


def test_the_clinic_admin_sets_reminder_hours_and_quiet_hours(login, clinic, clinic_admin_a, frontdesk_a):
    url = reverse("scheduling:reminder_settings")
    assert login(frontdesk_a).get(url).status_code in (403, 404)
    client = login(clinic_admin_a)
    bad = client.post(url, {"hours_before": "48, soon", "quiet_start": "21:00", "quiet_end": "08:00"})
    assert bad.status_code == 200 and "whole hours" in bad.content.decode()
    bad = client.post(url, {"hours_before": "48, 48", "quiet_start": "21:00", "quiet_end": "08:00"})
    assert bad.status_code == 200 and not ClinicReminderSettings.objects.exists()
    assert client.post(url, {"hours_before": "24", "quiet_start": "22:00", "quiet_end": "07:00"}).status_code == 302
    saved = ClinicReminderSettings.objects.get(clinic=clinic)
    assert saved.hours_before == [24] and saved.quiet_start == time(22, 0)
    assert "24 h before" in client.get(reverse("scheduling:rules")).content.decode()


def test_the_front_desks_worklist_shows_sessions_to_book_but_no_medication(login, clinic, physician_a, frontdesk_a):
    """What treatments' old "To book" panel promised: the front desk sees what to book, no drug."""
    from treatments.models import Modality, PlanStatus
    from treatments.tests.factories import InterventionFactory, TreatmentPlanFactory, medication

    who = patient(clinic, family_name="Bookme")
    plan = TreatmentPlanFactory.create(
        patient=who, author=physician_a, status=PlanStatus.ACTIVE, start_date=date(2026, 10, 1),
        review_date=date(2026, 12, 15),
    )  # fmt: skip
    InterventionFactory.create(plan=plan, modality=Modality.PHYSICAL_THERAPY, start_date=date(2026, 12, 1))
    medication(plan, "oxycodone", "5")
    for url in ("/", reverse("scheduling:worklist")):
        html = login(frontdesk_a).get(url).content.decode()
        assert "Bookme" in html and "Book physical therapy sessions" in html
        assert "xycodone" not in html and 'data-testid="to-book"' not in html


def test_a_reminder_email_with_its_ics_reaches_a_real_smtp_server(clinic, physician_a, settings, clock):
    a = book(clinic, patient(clinic), physician_a, TEN)
    clock.move_to(a.starts_at - timedelta(hours=47))
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
        dispatch.dispatch_due()
        received = list(sink.messages)
    [mail] = received
    assert mail["To"] == "pat@example.org" and clinic.name in mail["Subject"]
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    text = plain.get_content()
    token = token_of(rows(a)[0])
    assert f"/a/{token}/" in text and "Monday 23 November 2026, 10:00" in text
    [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    content = part.get_content()
    event = icalendar.Calendar.from_ical(content if isinstance(content, str) else content.decode()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == a.starts_at.astimezone(UTC)
    assert event.decoded("dtend") == a.ends_at.astimezone(UTC)
    assert clinic.name in str(event["summary"]) and "Follow-up" not in str(event["summary"])
    assert "1 Lake Street" in str(event["location"])


def test_a_refused_link_is_logged_without_its_token(client, clinic, physician_a, clock):
    """Django logs "Gone: /a/<token>/" for a 410: every handler on the way scrubs the token."""
    import io
    import logging

    a = book(clinic, patient(clinic), physician_a, TEN)
    token = token_of(rows(a)[0])
    clock.move_to(a.starts_at + timedelta(minutes=1))
    from notifications.logging import ScrubLinkTokenFilter

    django_log = logging.getLogger("django")
    # Only our handlers remain on "django" (pytest adds its own capture, which is not ours to judge).
    ours = [h for h in django_log.handlers if any(isinstance(f, ScrubLinkTokenFilter) for f in h.filters)]
    theirs = [h for h in django_log.handlers if h not in ours and type(h).__module__.startswith("logging")]
    assert ours and not theirs, "Django's default unfiltered console handler is replaced"
    streams = []
    for handler in ours:
        assert isinstance(handler, logging.StreamHandler)
        streams.append((handler, handler.setStream(io.StringIO())))
    try:
        assert client.get(f"/a/{token}/").status_code == 410
        written = "".join(h.stream.getvalue() for h, _old in streams)
    finally:
        for handler, old in streams:
            handler.setStream(old)
    assert "/a/[token]/" in written and token not in written
