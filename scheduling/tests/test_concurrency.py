"""No double booking under two real, overlapping transactions (PostgreSQL's exclusion constraints).

Each transaction's own overlap check passes (it cannot see the other's uncommitted row); the
second then waits on the constraint until the first commits, and is refused with a clear message.
"""

from datetime import datetime
from datetime import time as clock
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from clinics.roles import Role
from clinics.tests.factories import ClinicFactory, member
from conftest import race
from patients.tests.factories import PatientFactory
from scheduling import services
from scheduling.followups import ensure_clinic_defaults
from scheduling.models import Appointment, AppointmentStatus, Room

from .conftest import MONDAY, type_of, working_week


def _race(first_kwargs: dict[str, Any], second_kwargs: dict[str, Any]) -> tuple[dict[str, object], bool]:
    return race(lambda: services.book(**first_kwargs), lambda: services.book(**second_kwargs))


@pytest.fixture
def setting() -> dict[str, Any]:
    clinic: Any = ClinicFactory(name="Race clinic", time_zone="America/Chicago")
    ensure_clinic_defaults(clinic)
    doctor = member(clinic, Role.PHYSICIAN, "doc.race")
    doctor.first_name, doctor.last_name = "Rae", "Singh"
    doctor.save()
    other_doctor = member(clinic, Role.PHYSICIAN, "doc.race2")
    for d in (doctor, other_doctor):
        working_week(clinic, d)
    return {
        "clinic": clinic,
        "doctor": doctor,
        "other_doctor": other_doctor,
        "room": Room.objects.create(clinic=clinic, name="Procedure room"),
        "type": type_of(clinic, "follow_up"),
        "at": datetime.combine(MONDAY, clock(10, 0), tzinfo=clinic.tz),
    }


def _kwargs(s: dict[str, Any], provider: Any, **extra: Any) -> dict[str, Any]:
    return {
        "clinic": s["clinic"], "patient": PatientFactory.create(clinic=s["clinic"]), "provider": provider,
        "appointment_type": s["type"], "starts_at": s["at"], "by": provider, **extra,
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_provider_leave_one_appointment(setting):
    s = setting
    outcomes, blocked = _race(_kwargs(s, s["doctor"]), _kwargs(s, s["doctor"]))
    assert blocked, "the second booking never waited on the first: the race was not exercised"
    assert isinstance(outcomes["first"], Appointment), outcomes["first"]
    error = outcomes["second"]
    assert isinstance(error, ValidationError), error
    assert error.code == "provider_busy"  # raised from the exclusion constraint, not the pre-check
    assert error.messages == ["Rae Singh already has an appointment at 10:00-10:20."]
    assert Appointment.objects.filter(provider=s["doctor"], status=AppointmentStatus.SCHEDULED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_room_leave_one_appointment(setting):
    s = setting
    outcomes, blocked = _race(_kwargs(s, s["doctor"], room=s["room"]), _kwargs(s, s["other_doctor"], room=s["room"]))
    assert blocked, "the second booking never waited on the first: the race was not exercised"
    assert isinstance(outcomes["first"], Appointment), outcomes["first"]
    error = outcomes["second"]
    assert isinstance(error, ValidationError), error
    assert error.code == "room_busy"
    assert error.messages == ["Procedure room is already booked at 10:00-10:20."]
    assert Appointment.objects.filter(room=s["room"]).count() == 1


@pytest.mark.django_db
def test_the_database_itself_refuses_an_overlap_the_service_did_not_check(setting):
    """The constraint holds even for a write that skips the service (e.g. a future bug)."""
    from django.db import IntegrityError

    s = setting
    services.book(**_kwargs(s, s["doctor"]))
    sneaky = Appointment(
        clinic=s["clinic"], patient=PatientFactory.create(clinic=s["clinic"]), provider=s["doctor"],
        appointment_type=s["type"], starts_at=s["at"], minutes=30, created_by=s["doctor"],
    )  # fmt: skip
    with pytest.raises(IntegrityError, match="appointment_provider_no_overlap"), transaction.atomic():
        sneaky.save()
