"""The one-active-plan rule under two activations in two real, overlapping transactions."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clinics.roles import Role
from clinics.tests.factories import ClinicFactory, member
from conftest import race
from patients.tests.factories import PatientFactory
from treatments import services
from treatments.models import PlanStatus, TreatmentPlan
from treatments.tests.factories import GoalFactory, InterventionFactory, TreatmentPlanFactory


def _complete_draft(patient, author):
    plan = TreatmentPlanFactory.create(patient=patient, author=author)
    GoalFactory.create(plan=plan)
    InterventionFactory.create(plan=plan)
    return plan


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_activations_leave_exactly_one_active_plan():
    clinic: Any = ClinicFactory(name="Concurrency clinic")
    doctor = member(clinic, Role.PHYSICIAN, "doc.concurrent")
    patient: Any = PatientFactory(clinic=clinic)
    first, second = _complete_draft(patient, doctor), _complete_draft(patient, doctor)

    def activate(plan: TreatmentPlan) -> str:
        services.plan_activate(plan=TreatmentPlan.objects.get(pk=plan.pk), by=doctor)
        return "active"

    # The second transaction cannot see the first's uncommitted row, so its own check passes;
    # it then waits on the partial unique index until the first commits.
    outcomes, blocked = race(lambda: activate(first), lambda: activate(second))

    assert blocked, "the second activation never waited on the first: the race was not exercised"
    assert outcomes["first"] == "active"
    error = outcomes["second"]
    assert isinstance(error, ValidationError), error
    assert error.code == "conflict"  # raised by the database constraint, not the pre-check
    assert "Only one plan can be active" in error.messages[0]
    statuses = dict(TreatmentPlan.objects.filter(patient=patient).values_list("pk", "status"))
    assert statuses == {first.pk: PlanStatus.ACTIVE, second.pk: PlanStatus.DRAFT}
