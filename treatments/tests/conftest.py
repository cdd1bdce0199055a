from typing import Any

import pytest

from treatments.models import GoalKind, Modality, TreatmentPlan
from treatments.tests.factories import GoalFactory, InterventionFactory, TreatmentPlanFactory


@pytest.fixture
def plan_a(patient_a: Any, physician_a: Any) -> TreatmentPlan:
    """A draft plan of patient A with a pain goal and one intervention of each discipline."""
    plan = TreatmentPlanFactory.create(patient=patient_a, author=physician_a, title="Back on my feet")
    GoalFactory.create(plan=plan, kind=GoalKind.PAIN, baseline_value=8, target_value=4)
    InterventionFactory.create(plan=plan, modality=Modality.PHYSICAL_THERAPY)
    InterventionFactory.create(plan=plan, modality=Modality.PSYCHOLOGICAL, details={"approach": "cbt", "sessions": 8})
    return plan
