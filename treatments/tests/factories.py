import datetime
from typing import Any

import factory

from clinics.tests.factories import UserFactory
from patients.tests.factories import PatientFactory
from treatments.models import (
    CareTeamMember,
    Goal,
    GoalKind,
    Intervention,
    InterventionStatus,
    Modality,
    TreatmentPlan,
)


class TreatmentPlanFactory(factory.django.DjangoModelFactory[TreatmentPlan]):
    class Meta:
        model = TreatmentPlan

    patient = factory.SubFactory(PatientFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Plan {n}")
    start_date = datetime.date(2025, 3, 1)
    review_date = datetime.date(2025, 6, 1)


class GoalFactory(factory.django.DjangoModelFactory[Goal]):
    class Meta:
        model = Goal

    plan = factory.SubFactory(TreatmentPlanFactory)
    kind = GoalKind.PAIN
    baseline_value = 8
    target_value = 4


class CareTeamMemberFactory(factory.django.DjangoModelFactory[CareTeamMember]):
    class Meta:
        model = CareTeamMember

    plan = factory.SubFactory(TreatmentPlanFactory)
    user = factory.SubFactory(UserFactory)
    discipline = "pain_medicine"


class InterventionFactory(factory.django.DjangoModelFactory[Intervention]):
    class Meta:
        model = Intervention

    plan = factory.SubFactory(TreatmentPlanFactory)
    modality = Modality.PHYSICAL_THERAPY
    status = InterventionStatus.PLANNED
    start_date = datetime.date(2025, 3, 1)
    details = factory.LazyFunction(lambda: {"focus": ["core"], "sessions_per_week": 2, "weeks": 6})


def medication(plan: Any, drug: str, dose: str, unit: str = "mg", frequency: str = "bid", **kw: Any) -> Intervention:
    """A medication intervention, validated like the services do."""
    details = {"drug": drug, "dose": dose, "unit": unit, "frequency": frequency, "route": kw.pop("route", "oral")}
    if "max_per_day" in kw:
        details["max_per_day"] = kw.pop("max_per_day")
    kw.setdefault("status", InterventionStatus.IN_PROGRESS)
    kw.setdefault("start_date", datetime.date(2025, 3, 1))
    i = Intervention(plan=plan, modality=Modality.MEDICATION, details=details, **kw)
    i.full_clean()
    i.save()
    return i
