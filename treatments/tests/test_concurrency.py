"""The one-active-plan rule under two activations in two real, overlapping transactions."""

import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from clinics.roles import Role
from clinics.tests.factories import ClinicFactory, member
from patients.tests.factories import PatientFactory
from treatments import services
from treatments.models import PlanStatus, TreatmentPlan
from treatments.tests.factories import GoalFactory, InterventionFactory, TreatmentPlanFactory


def _complete_draft(patient, author):
    plan = TreatmentPlanFactory.create(patient=patient, author=author)
    GoalFactory.create(plan=plan)
    InterventionFactory.create(plan=plan)
    return plan


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_activations_leave_exactly_one_active_plan():
    clinic: Any = ClinicFactory(name="Concurrency clinic")
    doctor = member(clinic, Role.PHYSICIAN, "doc.concurrent")
    patient: Any = PatientFactory(clinic=clinic)
    first, second = _complete_draft(patient, doctor), _complete_draft(patient, doctor)

    outcomes: dict[str, object] = {}
    first_activated = threading.Event()
    release_first = threading.Event()

    def activate_first() -> None:
        try:
            with transaction.atomic():
                services.plan_activate(plan=TreatmentPlan.objects.get(pk=first.pk), by=doctor)
                first_activated.set()
                # Hold the transaction open until the second one is blocked at the unique index.
                assert release_first.wait(20)
            outcomes["first"] = "active"
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            outcomes["first"] = exc
        finally:
            first_activated.set()
            connections.close_all()

    def activate_second() -> None:
        try:
            assert first_activated.wait(20)
            with transaction.atomic():
                services.plan_activate(plan=TreatmentPlan.objects.get(pk=second.pk), by=doctor)
            outcomes["second"] = "active"
        except Exception as exc:  # noqa: BLE001
            outcomes["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=activate_first), threading.Thread(target=activate_second)]
    for t in threads:
        t.start()
    # The second transaction cannot see the first's uncommitted row, so its own check passes;
    # it then waits on the partial unique index until the first commits.
    deadline = time.monotonic() + 20
    while _waiting_on_a_lock() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    blocked = _waiting_on_a_lock() > 0
    release_first.set()
    for t in threads:
        t.join(30)

    assert blocked, "the second activation never waited on the first: the race was not exercised"
    assert outcomes["first"] == "active"
    error = outcomes["second"]
    assert isinstance(error, ValidationError), error
    assert error.code == "conflict"  # raised by the database constraint, not the pre-check
    assert "Only one plan can be active" in error.messages[0]
    statuses = dict(TreatmentPlan.objects.filter(patient=patient).values_list("pk", "status"))
    assert statuses == {first.pk: PlanStatus.ACTIVE, second.pk: PlanStatus.DRAFT}
