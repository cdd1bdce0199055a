from datetime import date, time
from typing import Any

import pytest

from clinics.models import Clinic
from clinics.roles import Role
from clinics.tests.factories import member
from scheduling.followups import ensure_clinic_defaults
from scheduling.models import AppointmentType, Room, WorkingHours

# A Monday well in the future (the services refuse nothing in the past, the forms do).
MONDAY = date(2026, 11, 23)


def working_week(clinic: Clinic, provider: Any, start: time = time(8, 0), end: time = time(17, 0)) -> None:
    for weekday in range(5):
        WorkingHours.objects.create(clinic=clinic, provider=provider, weekday=weekday, start=start, end=end)


def type_of(clinic: Clinic, key: str) -> AppointmentType:
    return AppointmentType.objects.get(clinic=clinic, key=key)


@pytest.fixture
def calendar_a(clinic_a: Clinic, physician_a: Any) -> Clinic:
    """Clinic A (America/Chicago) with its default types, a room and the physician's week."""
    ensure_clinic_defaults(clinic_a)
    Room.objects.create(clinic=clinic_a, name="Room 1")
    working_week(clinic_a, physician_a)
    return clinic_a


@pytest.fixture
def physician_a2(clinic_a: Clinic) -> Any:
    user = member(clinic_a, Role.PHYSICIAN, "physician.a2")
    user.first_name, user.last_name = "Second", "Doctor"
    user.save()
    return user
