"""Clinics in other zones than the server (UTC), and bookings across daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from clinics.roles import Role
from clinics.tests.factories import member
from patients.tests.factories import PatientFactory
from scheduling import availability, services
from scheduling.followups import ensure_clinic_defaults

from .conftest import type_of, working_week


@pytest.mark.parametrize(
    ("zone", "before", "after", "offsets"),
    [
        # America/Chicago leaves daylight time on Sunday 2026-11-01: 09:00 is 14:00 UTC, then 15:00 UTC.
        ("America/Chicago", date(2026, 10, 30), date(2026, 11, 2), (14, 15)),
        # Europe/Stockholm leaves summer time on Sunday 2026-10-25: 09:00 is 07:00 UTC, then 08:00 UTC.
        ("Europe/Stockholm", date(2026, 10, 23), date(2026, 10, 26), (7, 8)),
    ],
)
def test_a_booking_across_a_clock_change_keeps_the_wall_clock_time(clinic_a, zone, before, after, offsets):
    clinic_a.time_zone = zone
    clinic_a.save()
    clinic_a.__dict__.pop("tz", None)
    ensure_clinic_defaults(clinic_a)
    doctor = member(clinic_a, Role.PHYSICIAN, "doc.tz")
    working_week(clinic_a, doctor)
    patient = PatientFactory.create(clinic=clinic_a)
    friday = services.book(
        clinic=clinic_a, patient=patient, provider=doctor, appointment_type=type_of(clinic_a, "follow_up"),
        starts_at=services.local_datetime(clinic_a, before, time(9, 0)), by=doctor,
    )  # fmt: skip
    monday = services.reschedule(
        appointment=friday, starts_at=services.local_datetime(clinic_a, after, time(9, 0)), by=doctor
    )
    friday.refresh_from_db()
    monday.refresh_from_db()
    assert friday.starts_at.astimezone(UTC).hour == offsets[0]
    assert monday.starts_at.astimezone(UTC).hour == offsets[1]
    assert friday.local_start().time() == monday.local_start().time() == time(9, 0)
    # The next free slot after Friday's day ends is Monday 08:00 local, whatever the offset.
    slot = availability.next_free_slot(
        clinic=clinic_a, appointment_type=type_of(clinic_a, "follow_up"),
        after=datetime.combine(before, time(17, 0), tzinfo=ZoneInfo(zone)),
    )  # fmt: skip
    assert slot is not None
    assert slot.starts_at.astimezone(ZoneInfo(zone)) == datetime.combine(after, time(8, 0), tzinfo=ZoneInfo(zone))


def test_working_hours_are_wall_clock_on_the_day_of_the_change(clinic_a, physician_a):
    """Sunday 2026-11-01 in Chicago is 25 hours long; 08:00-17:00 is still nine hours of work."""
    ensure_clinic_defaults(clinic_a)
    from scheduling.models import WorkingHours

    WorkingHours.objects.create(clinic=clinic_a, provider=physician_a, weekday=6, start=time(8), end=time(17))
    blocks = availability.working_blocks(clinic_a, physician_a.pk, date(2026, 11, 1), WorkingHours.objects.all(), [])
    assert blocks == [
        (
            datetime(2026, 11, 1, 8, tzinfo=ZoneInfo("America/Chicago")),
            datetime(2026, 11, 1, 17, tzinfo=ZoneInfo("America/Chicago")),
        )
    ]
    assert blocks[0][1] - blocks[0][0] == timedelta(hours=9)


def test_a_time_the_clock_skips_is_refused(clinic_a):
    # 2026-03-08 02:30 does not exist in Chicago (02:00 -> 03:00).
    with pytest.raises(ValidationError) as caught:
        services.local_datetime(clinic_a, date(2026, 3, 8), time(2, 30))
    assert caught.value.code == "no_such_time"
    assert services.local_datetime(clinic_a, date(2026, 3, 8), time(3, 30)).utcoffset() == timedelta(hours=-5)
