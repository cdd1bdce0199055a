"""No double booking under two real, overlapping transactions (PostgreSQL's exclusion constraints).

Each transaction's own overlap check passes (it cannot see the other's uncommitted row); the
second then waits on the constraint until the first commits, and is refused with a clear message.
"""

import threading
import time
from datetime import datetime
from datetime import time as clock
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from clinics.roles import Role
from clinics.tests.factories import ClinicFactory, member
from patients.tests.factories import PatientFactory
from scheduling import services
from scheduling.followups import ensure_clinic_defaults
from scheduling.models import Appointment, AppointmentStatus, Room

from .conftest import MONDAY, type_of, working_week


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _race(first_kwargs: dict[str, Any], second_kwargs: dict[str, Any]) -> tuple[dict[str, object], bool]:
    outcomes: dict[str, object] = {}
    first_booked = threading.Event()
    release_first = threading.Event()

    def book_first() -> None:
        try:
            with transaction.atomic():
                outcomes["first"] = services.book(**first_kwargs)
                first_booked.set()
                assert release_first.wait(20)
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            outcomes["first"] = exc
        finally:
            first_booked.set()
            connections.close_all()

    def book_second() -> None:
        try:
            assert first_booked.wait(20)
            with transaction.atomic():
                outcomes["second"] = services.book(**second_kwargs)
        except Exception as exc:  # noqa: BLE001
            outcomes["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book_first), threading.Thread(target=book_second)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while _waiting_on_a_lock() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    blocked = _waiting_on_a_lock() > 0
    release_first.set()
    for t in threads:
        t.join(30)
    return outcomes, blocked


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
