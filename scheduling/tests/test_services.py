"""Booking rules: hours, leave, patient status, roles, clinics, double booking, reschedule, cancel."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from clinics.roles import Role
from clinics.tests.factories import member
from patients.models import PatientStatus
from patients.tests.factories import PatientFactory
from scheduling import services
from scheduling.models import AppointmentStatus, FollowUp, FollowUpKind, Room, ScheduleException

from .conftest import MONDAY, type_of, working_week

CHICAGO = ZoneInfo("America/Chicago")


def book(clinic: Any, patient: Any, provider: Any, at: datetime, key: str = "follow_up", **kw: Any) -> Any:
    return services.book(
        clinic=clinic, patient=patient, provider=provider, appointment_type=type_of(clinic, key),
        starts_at=at, by=provider, **kw,
    )  # fmt: skip


def local(day: date, hh: int, mm: int = 0, tz: ZoneInfo = CHICAGO) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=tz)


def codes(exc: ValidationError) -> set[str]:
    if not hasattr(exc, "error_dict"):
        return {str(exc.code)}
    return {str(e.code) for errors in exc.error_dict.values() for e in errors}


def test_it_books_in_the_clinics_zone_and_stores_utc(calendar_a, physician_a, patient_a):
    a = book(calendar_a, patient_a, physician_a, local(MONDAY, 10))
    a.refresh_from_db()
    assert a.starts_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert a.ends_at - a.starts_at == timedelta(minutes=20)  # the follow-up type's default length
    assert a.status == AppointmentStatus.SCHEDULED
    assert a.owner_ref == f"scheduling.appointment:{a.pk}"


def test_it_refuses_to_double_book_a_provider(calendar_a, physician_a, patient_a):
    physician_a.first_name, physician_a.last_name = "Nadia", "Okafor"
    physician_a.save()
    book(calendar_a, patient_a, physician_a, local(MONDAY, 10))
    other = PatientFactory.create(clinic=calendar_a)
    with pytest.raises(ValidationError) as caught:
        book(calendar_a, other, physician_a, local(MONDAY, 10, 10))
    assert "Nadia Okafor already has an appointment at 10:00-10:20." in caught.value.messages
    # Back to back is fine: [10:00, 10:20) and [10:20, 10:40) do not overlap.
    book(calendar_a, other, physician_a, local(MONDAY, 10, 20))


def test_it_refuses_to_double_book_a_room(calendar_a, physician_a, physician_a2, patient_a):
    working_week(calendar_a, physician_a2)
    room = Room.objects.get(clinic=calendar_a)
    book(calendar_a, patient_a, physician_a, local(MONDAY, 9), room=room)
    with pytest.raises(ValidationError) as caught:
        book(calendar_a, PatientFactory.create(clinic=calendar_a), physician_a2, local(MONDAY, 9, 5), room=room)
    assert "Room 1 is already booked at 09:00-09:20." in caught.value.messages


def test_a_cancelled_or_no_show_slot_can_be_booked_again(calendar_a, physician_a, patient_a):
    first = book(calendar_a, patient_a, physician_a, local(MONDAY, 10))
    services.cancel(appointment=first, reason="Patient is travelling", by=physician_a)
    again = book(calendar_a, PatientFactory.create(clinic=calendar_a), physician_a, local(MONDAY, 10))
    assert again.status == AppointmentStatus.SCHEDULED


def test_outside_working_hours_is_refused_unless_a_reason_is_given(calendar_a, physician_a, patient_a):
    evening = local(MONDAY, 17, 30)
    with pytest.raises(ValidationError) as caught:
        book(calendar_a, patient_a, physician_a, evening)
    assert "hours" in codes(caught.value)
    assert any("outside" in m and "working hours" in m for m in caught.value.messages)
    a = book(calendar_a, patient_a, physician_a, evening, override_reason="Only time the patient can come")
    assert a.override_reason == "Only time the patient can come"
    # Running past the end of the day counts as outside too.
    with pytest.raises(ValidationError):
        book(calendar_a, PatientFactory.create(clinic=calendar_a), physician_a, local(MONDAY, 16, 50))


def test_leave_and_clinic_closures_are_refused_unless_overridden(calendar_a, physician_a, patient_a):
    ScheduleException.objects.create(clinic=calendar_a, provider=physician_a, first_day=MONDAY, last_day=MONDAY)
    ScheduleException.objects.create(
        clinic=calendar_a, provider=None, first_day=MONDAY + timedelta(days=1), last_day=MONDAY + timedelta(days=1),
        start=time(12, 0), end=time(14, 0), kind=ScheduleException.Kind.HOLIDAY,
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        book(calendar_a, patient_a, physician_a, local(MONDAY, 10))
    assert any("away" in m for m in caught.value.messages)
    with pytest.raises(ValidationError) as caught:
        book(calendar_a, patient_a, physician_a, local(MONDAY + timedelta(days=1), 12, 30))
    assert any("clinic is closed" in m for m in caught.value.messages)
    # Outside the partial closure the day is bookable.
    book(calendar_a, patient_a, physician_a, local(MONDAY + timedelta(days=1), 14, 0))
    a = book(calendar_a, patient_a, physician_a, local(MONDAY, 10), override_reason="Back for this one patient")
    assert a.override_reason


def test_a_discharged_patient_needs_a_reason_and_a_deceased_one_is_refused(calendar_a, physician_a):
    discharged = PatientFactory.create(clinic=calendar_a, status=PatientStatus.DISCHARGED)
    deceased = PatientFactory.create(clinic=calendar_a, status=PatientStatus.DECEASED)
    with pytest.raises(ValidationError) as caught:
        book(calendar_a, discharged, physician_a, local(MONDAY, 9))
    assert "discharged" in codes(caught.value)
    assert book(calendar_a, discharged, physician_a, local(MONDAY, 9), override_reason="Wound check").pk
    with pytest.raises(ValidationError) as caught:
        book(calendar_a, deceased, physician_a, local(MONDAY, 10), override_reason="Anything")
    assert "deceased" in codes(caught.value)


def test_the_provider_must_provide_the_type(calendar_a, patient_a):
    therapist = member(calendar_a, Role.THERAPIST, "therapist.x")
    working_week(calendar_a, therapist)
    with pytest.raises(ValidationError) as caught:
        book(calendar_a, patient_a, therapist, local(MONDAY, 9), key="procedure")
    assert "provider_role" in codes(caught.value)
    assert book(calendar_a, patient_a, therapist, local(MONDAY, 9), key="physical_therapy").minutes == 45


def test_it_refuses_another_clinics_patient(calendar_a, physician_a, clinic_b):
    stranger = PatientFactory.create(clinic=clinic_b)
    with pytest.raises(ValidationError) as caught:
        book(calendar_a, stranger, physician_a, local(MONDAY, 9))
    assert "other_clinic" in codes(caught.value)


def test_reschedule_keeps_the_old_slot_visible_and_linked(calendar_a, physician_a, patient_a):
    old = book(calendar_a, patient_a, physician_a, local(MONDAY, 9))
    new = services.reschedule(appointment=old, starts_at=local(MONDAY, 11), by=physician_a)
    old.refresh_from_db()
    assert old.status == AppointmentStatus.RESCHEDULED
    assert new.rescheduled_from == old and old.rescheduled_to == new
    assert new.local_start().hour == 11 and new.status == AppointmentStatus.SCHEDULED
    # The old slot is free again.
    assert book(calendar_a, PatientFactory.create(clinic=calendar_a), physician_a, local(MONDAY, 9)).pk
    with pytest.raises(ValidationError):
        services.reschedule(appointment=old, starts_at=local(MONDAY, 13), by=physician_a)


def test_a_refused_reschedule_changes_nothing(calendar_a, physician_a, patient_a):
    old = book(calendar_a, patient_a, physician_a, local(MONDAY, 9))
    book(calendar_a, PatientFactory.create(clinic=calendar_a), physician_a, local(MONDAY, 11))
    with pytest.raises(ValidationError):
        services.reschedule(appointment=old, starts_at=local(MONDAY, 11), by=physician_a)
    old.refresh_from_db()
    assert old.status == AppointmentStatus.SCHEDULED


def test_cancel_records_the_reason_who_and_when(calendar_a, physician_a, frontdesk_a, patient_a):
    a = book(calendar_a, patient_a, physician_a, local(MONDAY, 9))
    with pytest.raises(ValidationError):
        services.cancel(appointment=a, reason="  ", by=frontdesk_a)
    services.cancel(appointment=a, reason="Car broke down", by=frontdesk_a)
    a.refresh_from_db()
    assert (a.status, a.cancel_reason, a.cancelled_by) == (AppointmentStatus.CANCELLED, "Car broke down", frontdesk_a)
    assert a.cancelled_at is not None
    assert a.history.first().history_user == frontdesk_a


def test_check_in_complete_and_no_show_follow_the_day(calendar_a, physician_a, frontdesk_a, patient_a):
    now = datetime.now(UTC)
    past = book(calendar_a, patient_a, physician_a, now - timedelta(days=3), override_reason="Recorded late")
    future = book(calendar_a, patient_a, physician_a, local(MONDAY, 9))
    with pytest.raises(ValidationError):
        services.mark_no_show(appointment=future, by=frontdesk_a)
    with pytest.raises(ValidationError):
        services.complete(appointment=future, by=frontdesk_a)  # not checked in yet
    services.mark_no_show(appointment=past, by=frontdesk_a)
    call_back = FollowUp.objects.get(patient=patient_a, kind=FollowUpKind.NO_SHOW)
    assert call_back.source_appointment == past and call_back.is_open
    services.check_in(appointment=future, by=frontdesk_a)
    services.complete(appointment=future, by=frontdesk_a)
    future.refresh_from_db()
    assert future.status == AppointmentStatus.COMPLETED and future.checked_in_at is not None
