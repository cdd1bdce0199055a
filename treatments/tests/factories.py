import datetime
from typing import Any

import factory
from django.core.exceptions import ValidationError
from django.db import transaction

from clinics.tests.factories import UserFactory
from patients.tests.factories import PatientFactory
from treatments import kinds
from treatments.models import (
    CareTeamMember,
    Goal,
    GoalKind,
    Intervention,
    InterventionDetail,
    InterventionStatus,
    Modality,
    TreatmentPlan,
)
from treatments.schemas import Details


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


@transaction.atomic
def intervention(*, plan: TreatmentPlan, modality: str, details: dict[str, Any], **kw: Any) -> Intervention:
    """An intervention with its typed details, validated as the services validate it (whatever
    the plan's status, so tests can build closed plans)."""
    kw.setdefault("status", InterventionStatus.PLANNED)
    i = Intervention(plan=plan, modality=modality, **kw)
    detail = kinds.detail_from(modality, details)
    if isinstance(detail, Details):
        i.details = detail.to_json()
    i.full_clean()
    i.save()
    if isinstance(detail, InterventionDetail):
        row: Any = detail
        row.intervention = i
        if hasattr(row, "patient_id"):
            row.patient = plan.patient
        errors = detail.status_errors()
        if errors:
            raise ValidationError(errors)
        detail.full_clean()
        detail.save()
    return i


class InterventionFactory(factory.django.DjangoModelFactory[Intervention]):
    """Interventions of any kind: ``details`` holds the kind's values (a typed row is made for
    medications, procedures and trials)."""

    class Meta:
        model = Intervention

    plan = factory.SubFactory(TreatmentPlanFactory)
    modality = Modality.PHYSICAL_THERAPY
    status = InterventionStatus.PLANNED
    start_date = datetime.date(2025, 3, 1)
    details = factory.LazyFunction(lambda: {"focus": ["core"], "sessions_per_week": 2, "weeks": 6})

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Intervention:
        return intervention(**kwargs)


def medication(plan: Any, drug: str, dose: str, unit: str = "mg", frequency: str = "bid", **kw: Any) -> Intervention:
    """A medication intervention, validated like the services do."""
    details = {"drug": drug, "dose": dose, "unit": unit, "frequency": frequency, "route": kw.pop("route", "oral")}
    if "max_per_day" in kw:
        details["max_per_day"] = kw.pop("max_per_day")
    kw.setdefault("status", InterventionStatus.IN_PROGRESS)
    kw.setdefault("start_date", datetime.date(2025, 3, 1))
    return intervention(plan=plan, modality=Modality.MEDICATION, details=details, **kw)
