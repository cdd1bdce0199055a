"""The front desk's screens: query counts with many rows, hostile input, the gate, one-click actions."""

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.urls import reverse

from clinics.models import AccessLog
from clinics.roles import Role
from clinics.tests.factories import member
from conftest import queries_of
from patients.tests.factories import PatientFactory
from scheduling import selectors, services
from scheduling.models import Appointment, AppointmentStatus, FollowUp, FollowUpKind, FollowUpStatus

from .conftest import MONDAY, type_of, working_week

DAY_URL = reverse("scheduling:day", args=[MONDAY])
DAY_MAX_QUERIES = 12
# The worklist also mirrors failed reminders (two queries when nothing changed): see reminders.sync_failed_reminders.
WORKLIST_MAX_QUERIES = 12
HOME_MAX_QUERIES = 18


def at(clinic: Any, hh: int, mm: int = 0, day: Any = MONDAY) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=clinic.tz)


def fill_day(clinic: Any, providers: list[Any], per_provider: int) -> None:
    for p in providers:
        for n in range(per_provider):
            services.book(
                clinic=clinic, patient=PatientFactory.create(clinic=clinic, consent_email=True), provider=p,
                appointment_type=type_of(clinic, "follow_up"), starts_at=at(clinic, 8) + timedelta(minutes=20 * n), by=p,
            )  # fmt: skip


def test_the_day_view_does_not_grow_with_appointments(
    login, calendar_a, physician_a, physician_a2, frontdesk_a, django_assert_max_num_queries
):
    working_week(calendar_a, physician_a2)
    client = login(frontdesk_a)
    fill_day(calendar_a, [physician_a], 2)
    few = queries_of(client, DAY_URL)
    fill_day(calendar_a, [physician_a2], 25)  # a full day: 08:00-16:20
    third = member(calendar_a, Role.PHYSICIAN, "physician.a3")
    working_week(calendar_a, third)
    fill_day(calendar_a, [third], 25)
    assert queries_of(client, DAY_URL) == few
    with django_assert_max_num_queries(DAY_MAX_QUERIES):
        response = client.get(DAY_URL)
    html = response.content.decode()
    assert html.count('data-testid="appointment"') == 52
    assert html.count('data-testid="column"') == 3
    assert "16:20–17:00" in html  # the free end of a full day, in the clinic's zone


def test_the_week_view_does_not_grow_with_appointments(
    login, calendar_a, physician_a, frontdesk_a, django_assert_max_num_queries
):
    client = login(frontdesk_a)
    url = reverse("scheduling:week", args=[physician_a.pk, MONDAY + timedelta(days=2)])
    few = queries_of(client, url)
    fill_day(calendar_a, [physician_a], 20)
    assert queries_of(client, url) == few
    with django_assert_max_num_queries(DAY_MAX_QUERIES):
        html = client.get(url).content.decode()
    assert html.count('data-testid="column"') == 7 and html.count('data-testid="appointment"') == 20


def _worklist_items(clinic: Any, n: int) -> list[FollowUp]:
    today = datetime.now(UTC).date()
    return [
        FollowUp.objects.create(
            clinic=clinic, patient=PatientFactory.create(clinic=clinic), kind=FollowUpKind.NO_SHOW,
            due_date=today + timedelta(days=(k * 7) % 30 - 10), reason="Did not come", source_key=f"test:{k}",
            appointment_type=type_of(clinic, "follow_up"),
        )
        for k in range(n)
    ]  # fmt: skip


def test_the_worklist_does_not_grow_and_shows_who_is_who(login, calendar_a, frontdesk_a, django_assert_max_num_queries):
    client = login(frontdesk_a)
    url = reverse("scheduling:worklist")
    _worklist_items(calendar_a, 2)
    few = queries_of(client, url)
    made = _worklist_items(calendar_a, 80)
    assert queries_of(client, url) == few
    with django_assert_max_num_queries(WORKLIST_MAX_QUERIES):
        html = client.get(url).content.decode()
    assert html.count('data-testid="worklist-item"') == 50  # one page
    first = min(made, key=lambda f: (f.due_date, f.pk))
    assert f"MRN {first.patient.mrn} · born {first.patient.date_of_birth:%Y-%m-%d}" in html
    # Soonest first: the page holds the 50 soonest of the 82 items, in order.
    shown = re.findall(r"due (\d{4}-\d{2}-\d{2})", html)
    everything = sorted(f.due_date.isoformat() for f in FollowUp.objects.all())
    assert shown == everything[:50]


def test_the_home_panels_do_not_grow(login, calendar_a, physician_a, frontdesk_a, django_assert_max_num_queries):
    _worklist_items(calendar_a, 3)
    client = login(frontdesk_a)
    few = queries_of(client, "/")
    _worklist_items(calendar_a, 40)
    assert queries_of(client, "/") == few
    with django_assert_max_num_queries(HOME_MAX_QUERIES):
        html = client.get("/").content.decode()
    assert 'data-testid="panel-worklist"' in html and 'data-testid="panel-arrivals"' in html
    assert 'data-testid="panel-my-day"' in login(physician_a).get("/").content.decode()


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-13-01", "20261123", "yesterday", "0000-01-01"])
def test_an_impossible_date_in_the_path_is_not_found(login, frontdesk_a, bad):
    assert login(frontdesk_a).get(f"/schedule/day/{bad}/").status_code == 404


def test_the_date_picker_puts_the_day_in_the_path(login, frontdesk_a):
    client = login(frontdesk_a)
    assert client.get("/schedule/day/?day=2026-11-23")["Location"] == "/schedule/day/2026-11-23/"
    assert client.get("/schedule/day/?day=garbage").status_code == 302


def _post_booking(client: Any, calendar: Any, doctor: Any, **override: Any) -> Any:
    data = {
        "mrn": override.pop("mrn", ""), "appointment_type": type_of(calendar, "follow_up").pk, "provider": doctor.pk,
        "day": MONDAY.isoformat(), "time": "10:00", "minutes": "", "room": "", "override_reason": "", **override,
    }  # fmt: skip
    return client.post(reverse("scheduling:book"), data)


def test_booking_from_a_free_slot(login, calendar_a, physician_a, frontdesk_a, patient_a):
    client = login(frontdesk_a)
    form = client.get(reverse("scheduling:book") + f"?provider={physician_a.pk}&start=2026-11-23T10:00")
    assert form.status_code == 200 and 'value="10:00' in form.content.decode()
    response = _post_booking(client, calendar_a, physician_a, mrn=patient_a.mrn)
    assert response.status_code == 302 and response["Location"] == DAY_URL
    a = Appointment.objects.get()
    assert (a.patient, a.provider, a.created_by) == (patient_a, physician_a, frontdesk_a)
    assert a.local_start().time() == time(10, 0)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"day": "2026-13-45"}, "Enter a valid date"),
        ({"day": "1900-01-01"}, "between 2000 and 2100"),
        ({"time": "25:61"}, "Enter a valid time"),
        ({"minutes": "100000"}, "less than or equal to 480"),
        ({"minutes": "-5"}, "greater than or equal to 5"),
        ({"appointment_type": "999999"}, "Select a valid choice"),
        ({"provider": "999999"}, "Select a valid choice"),
        ({"time": "18:00"}, "working hours"),
        ({"override_reason": "<script>x</script>", "time": "18:00"}, "&lt;"),
        ({"day": "2027-03-14", "time": "02:30"}, "does not exist"),
        ({"mrn": "NO-SUCH-MRN"}, "No patient with this MRN"),
    ],
)
def test_hostile_booking_input_gives_form_errors_not_500(
    login, calendar_a, physician_a, frontdesk_a, patient_a, override, message
):
    override.setdefault("mrn", patient_a.mrn)
    response = _post_booking(login(frontdesk_a), calendar_a, physician_a, **override)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_an_overlap_is_a_form_error_naming_the_taken_slot(login, calendar_a, physician_a, frontdesk_a, patient_a):
    physician_a.first_name, physician_a.last_name = "Nadia", "Okafor"
    physician_a.save()
    services.book(
        clinic=calendar_a, patient=patient_a, provider=physician_a, appointment_type=type_of(calendar_a, "follow_up"),
        starts_at=at(calendar_a, 9, 50), by=frontdesk_a,
    )  # fmt: skip
    response = _post_booking(
        login(frontdesk_a), calendar_a, physician_a, mrn=PatientFactory.create(clinic=calendar_a).mrn
    )
    assert response.status_code == 200
    assert "Nadia Okafor already has an appointment at 09:50-10:10." in response.content.decode()
    assert Appointment.objects.count() == 1


def test_a_refused_booking_by_mrn_shows_the_patient_and_is_in_the_access_log(
    login, calendar_a, physician_a, frontdesk_a, patient_a
):
    response = _post_booking(login(frontdesk_a), calendar_a, physician_a, mrn=patient_a.mrn, time="18:00")
    assert response.status_code == 200 and "working hours" in response.content.decode()
    line = AccessLog.objects.get()
    assert (line.patient_public_id, line.user, line.page) == (patient_a.public_id, frontdesk_a, "scheduling:book")


def test_an_unknown_mrn_writes_no_access_log_line(login, calendar_a, physician_a, frontdesk_a):
    _post_booking(login(frontdesk_a), calendar_a, physician_a, mrn="NO-SUCH-MRN")
    assert not AccessLog.objects.exists()


def test_another_clinics_patient_cannot_be_booked_by_mrn(login, calendar_a, physician_a, frontdesk_a, clinic_b):
    stranger = PatientFactory.create(clinic=clinic_b, mrn="B-0001")
    response = _post_booking(login(frontdesk_a), calendar_a, physician_a, mrn=stranger.mrn)
    assert response.status_code == 200 and "No patient with this MRN" in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_from_the_worklist_prefills_the_next_free_slot_and_closes_the_item(
    login, calendar_a, physician_a, frontdesk_a, patient_a
):
    item = FollowUp.objects.create(
        clinic=calendar_a, patient=patient_a, kind=FollowUpKind.FOLLOW_UP, due_date=MONDAY, reason="Follow-up after procedure",
        source_key="test:1", appointment_type=type_of(calendar_a, "follow_up"), provider=physician_a,
    )  # fmt: skip
    services.book(
        clinic=calendar_a, patient=PatientFactory.create(clinic=calendar_a), provider=physician_a,
        appointment_type=type_of(calendar_a, "procedure"), starts_at=at(calendar_a, 8), by=frontdesk_a,
    )  # fmt: skip
    client = login(frontdesk_a)
    url = reverse("scheduling:book_follow_up", args=[item.public_id])
    html = client.get(url).content.decode()
    assert 'value="2026-11-23"' in html and 'value="09:00' in html  # after the 08:00-09:00 procedure
    response = client.post(url, {"appointment_type": item.appointment_type_id, "provider": physician_a.pk,
                                 "day": "2026-11-23", "time": "09:00"})  # fmt: skip
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == FollowUpStatus.BOOKED and item.appointment is not None
    assert client.get(url).status_code == 302  # booked: back to the worklist


def test_chart_shows_appointments_and_a_book_button(login, calendar_a, physician_a, frontdesk_a, patient_a):
    services.book(
        clinic=calendar_a, patient=patient_a, provider=physician_a, appointment_type=type_of(calendar_a, "plan_review"),
        starts_at=at(calendar_a, 11), by=frontdesk_a,
    )  # fmt: skip
    html = login(frontdesk_a).get(reverse("patients:chart", args=[patient_a.public_id])).content.decode()
    assert reverse("scheduling:book_patient", args=[patient_a.public_id]) in html
    assert "Mon 2026-11-23 11:00" in html
    html = login(physician_a).get(reverse("patients:chart", args=[patient_a.public_id])).content.decode()
    assert "Plan review with" in html  # the timeline entry


@pytest.fixture
def nine_oclock(calendar_a, patient_a, physician_a, frontdesk_a) -> Appointment:
    """Patient A's follow-up with physician A at 09:00 on Monday, booked by the front desk."""
    return services.book(
        clinic=calendar_a, patient=patient_a, provider=physician_a, appointment_type=type_of(calendar_a, "follow_up"),
        starts_at=at(calendar_a, 9), by=frontdesk_a,
    )  # fmt: skip


def test_one_click_check_in_returns_to_the_page(login, nine_oclock, frontdesk_a):
    a = nine_oclock
    client = login(frontdesk_a)
    response = client.post(reverse("scheduling:check_in", args=[a.public_id]), {"next": DAY_URL})
    assert response["Location"] == DAY_URL
    a.refresh_from_db()
    assert a.status == AppointmentStatus.CHECKED_IN
    # A second click is refused with a message, not an error page.
    response = client.post(reverse("scheduling:check_in", args=[a.public_id]), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("scheduling:appointment", args=[a.public_id])
    assert client.post(f"/schedule/appointments/{a.public_id}/explode/").status_code == 404


def test_cancel_and_reschedule_through_the_screens(login, nine_oclock, physician_a, frontdesk_a):
    a = nine_oclock
    client = login(frontdesk_a)
    response = client.post(reverse("scheduling:reschedule", args=[a.public_id]),
                           {"provider": physician_a.pk, "day": "2026-11-24", "time": "13:00"})  # fmt: skip
    assert response.status_code == 302
    new = Appointment.objects.get(rescheduled_from=a)
    html = client.get(reverse("scheduling:appointment", args=[a.public_id])).content.decode()
    assert "Rescheduled" in html and 'data-testid="moved-to"' in html
    assert client.post(reverse("scheduling:cancel", args=[new.public_id]), {"reason": ""}).status_code == 200
    client.post(reverse("scheduling:cancel", args=[new.public_id]), {"reason": "Feeling better"})
    new.refresh_from_db()
    assert (new.status, new.cancel_reason, new.cancelled_by) == ("cancelled", "Feeling better", frontdesk_a)


def test_the_outsider_gets_404_and_a_therapist_cannot_book(
    login, nine_oclock, calendar_a, physician_a, patient_a, outsider
):
    a = nine_oclock
    client = login(outsider)
    assert client.get(reverse("scheduling:appointment", args=[a.public_id])).status_code == 404
    assert client.post(reverse("scheduling:check_in", args=[a.public_id])).status_code == 404
    assert client.post(reverse("scheduling:cancel", args=[a.public_id]), {"reason": "x"}).status_code == 404
    assert client.get(reverse("scheduling:book_patient", args=[patient_a.public_id])).status_code == 404
    assert client.get(reverse("scheduling:week", args=[physician_a.pk, MONDAY])).status_code == 404
    assert "Okafor" not in client.get(DAY_URL).content.decode()
    a.refresh_from_db()
    assert a.status == AppointmentStatus.SCHEDULED
    therapist = login(member(calendar_a, Role.THERAPIST, "therapist.a"))
    assert therapist.get(reverse("scheduling:worklist")).status_code == 403
    assert therapist.post(reverse("scheduling:check_in", args=[a.public_id])).status_code == 403


def test_the_clinic_admin_edits_a_follow_up_rule(login, calendar_a, frontdesk_a):
    from scheduling.models import FollowUpRule

    admin = login(member(calendar_a, Role.CLINIC_ADMIN, "admin.a"))
    rule = FollowUpRule.objects.get(clinic=calendar_a, event="injection")
    assert login(frontdesk_a).get(reverse("scheduling:rules")).status_code == 403
    assert admin.get(reverse("scheduling:rules")).content.decode().count('data-testid="rule"') == 7
    p = f"r{rule.pk}-"
    data = {"rule": rule.pk, p + "offset_days": "21", p + "window_days": "3", p + "reason": "Follow-up after procedure",
            p + "appointment_type": rule.appointment_type_id, p + "is_active": "on"}  # fmt: skip
    assert admin.post(reverse("scheduling:rules"), {**data, p + "offset_days": "9999"}).status_code == 200
    assert admin.post(reverse("scheduling:rules"), data).status_code == 302
    rule.refresh_from_db()
    assert (rule.offset_days, rule.window_days) == (21, 3)


def test_a_past_day_offers_no_free_slot(login, calendar_a, frontdesk_a):
    last_monday = datetime.now(UTC).date() - timedelta(days=7 + datetime.now(UTC).weekday())
    html = login(frontdesk_a).get(reverse("scheduling:day", args=[last_monday])).content.decode()
    assert html.count('data-testid="column"') == 1
    assert 'data-testid="free"' not in html
    assert 'data-testid="free"' in login(frontdesk_a).get(DAY_URL).content.decode()


def _past_appointments(appointment: Appointment, n: int, weeks_back: int) -> None:
    """``n`` completed appointments like ``appointment``, one a week from ``weeks_back`` weeks ago."""
    fields = [f.attname for f in Appointment._meta.concrete_fields if not f.primary_key and f.name != "public_id"]
    rows = []
    for k in range(n):
        shift = timedelta(weeks=weeks_back + k)
        row = Appointment(**{name: getattr(appointment, name) for name in fields})
        row.starts_at, row.ends_at = appointment.starts_at - shift, appointment.ends_at - shift
        row.status = AppointmentStatus.COMPLETED
        rows.append(row)
    Appointment.objects.bulk_create(rows)


def test_the_chart_reads_the_newest_appointments_and_the_history_page_all(
    login, calendar_a, physician_a, frontdesk_a, patient_a, django_assert_max_num_queries
):
    from patients.chart import TIMELINE_ON_CHART
    from patients.tests.test_chart import CHART_MAX_QUERIES

    upcoming = services.book(
        clinic=calendar_a, patient=patient_a, provider=physician_a, appointment_type=type_of(calendar_a, "plan_review"),
        starts_at=at(calendar_a, 11), by=frontdesk_a,
    )  # fmt: skip
    client = login(physician_a)
    chart_url = reverse("patients:chart", args=[patient_a.public_id])
    _past_appointments(upcoming, 2, weeks_back=1)
    few = queries_of(client, chart_url)
    _past_appointments(upcoming, 78, weeks_back=3)  # 80 over: the chart reads its newest, not all
    assert queries_of(client, chart_url) == few
    with django_assert_max_num_queries(CHART_MAX_QUERIES):
        html = client.get(chart_url).content.decode()
    section = html[html.index('data-testid="section-appointments"') :]
    assert "Mon 2026-11-23 11:00" in section  # the upcoming one
    recent = section[section.index("Recent") :]
    assert recent[: recent.index("</ul>")].count("<li>") == 10
    assert html.count('data-kind="appointment"') == TIMELINE_ON_CHART  # nothing else on this chart
    history = client.get(reverse("patients:history", args=[patient_a.public_id])).content.decode()
    assert history.count('data-kind="appointment"') == 81
    # What the chart reads: the upcoming one and the newest past ones, not the 80 over.
    read = selectors.patient_appointments(patient_a, past_limit=TIMELINE_ON_CHART + 1)
    assert [a.pk for a in read] == [a.pk for a in selectors.patient_appointments(patient_a)][: TIMELINE_ON_CHART + 2]
