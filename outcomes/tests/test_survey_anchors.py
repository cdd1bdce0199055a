"""Recording an anchor in treatments (a plan activated, an implant done) enrols the patient."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from outcomes.models import AnchorKind, SurveyEnrolment, SurveyInvitation, SurveySchedule, SurveyWave
from treatments.choices import InterventionStatus, Modality
from treatments.models import PlanStatus
from treatments.tests.factories import InterventionFactory, TreatmentPlanFactory

pytestmark = pytest.mark.django_db


def _schedule(clinic: Any, kind: str, procedure_types: list[str] | None = None) -> SurveySchedule:
    schedule = SurveySchedule.objects.create(clinic=clinic, name=kind, anchor_kind=kind, procedure_types=procedure_types or [])
    SurveyWave.objects.create(schedule=schedule, key="baseline", label="Baseline", offset_days=0, instruments=["phq9"])
    SurveyWave.objects.create(schedule=schedule, key="3m", label="3 months", offset_days=91, instruments=["phq9"])
    return schedule


def test_an_scs_implant_recorded_as_done_enrols_on_the_implant_schedule_from_its_date(
    clinic_a: Any, patient_a: Any, physician_a: Any
) -> None:
    schedule = _schedule(clinic_a, AnchorKind.PROCEDURE, ["scs_implant"])
    plan = TreatmentPlanFactory.create(patient=patient_a, author=physician_a)
    day = datetime.date(2026, 2, 3)
    implant = InterventionFactory.create(
        plan=plan, modality=Modality.PROCEDURE, status=InterventionStatus.DONE, start_date=day,
        details={"procedure_type": "scs_implant", "levels": ["T9"]},
    )  # fmt: skip
    enrolment = SurveyEnrolment.objects.get(patient=patient_a, schedule=schedule)
    assert (enrolment.anchor_date, enrolment.intervention, enrolment.source_kind) == (day, implant, AnchorKind.PROCEDURE)
    assert sorted(SurveyInvitation.objects.filter(enrolment=enrolment).values_list("due_date", flat=True)) == [
        day, day + datetime.timedelta(days=91),
    ]  # fmt: skip


def test_a_procedure_not_on_the_schedule_or_not_done_enrols_nobody(clinic_a: Any, patient_a: Any, physician_a: Any) -> None:
    _schedule(clinic_a, AnchorKind.PROCEDURE, ["scs_implant"])
    plan = TreatmentPlanFactory.create(patient=patient_a, author=physician_a)
    InterventionFactory.create(plan=plan, modality=Modality.PROCEDURE, status=InterventionStatus.DONE,
                               details={"procedure_type": "rfa", "levels": ["L4"]})  # fmt: skip
    InterventionFactory.create(plan=plan, modality=Modality.PROCEDURE, status=InterventionStatus.SCHEDULED,
                               details={"procedure_type": "scs_implant", "levels": ["T9"]})  # fmt: skip
    assert not SurveyEnrolment.objects.exists()


def test_activating_a_plan_enrols_from_its_start_and_a_new_start_moves_the_waves(
    clinic_a: Any, patient_a: Any, physician_a: Any
) -> None:
    schedule = _schedule(clinic_a, AnchorKind.PLAN_ACTIVATION)
    plan = TreatmentPlanFactory.create(
        patient=patient_a, author=physician_a, start_date=datetime.date(2026, 1, 5), review_date=datetime.date(2026, 6, 1)
    )
    assert not SurveyEnrolment.objects.exists()  # a draft is no anchor
    plan.status = PlanStatus.ACTIVE
    plan.save()
    enrolment = SurveyEnrolment.objects.get(patient=patient_a, schedule=schedule)
    assert (enrolment.anchor_date, enrolment.plan) == (datetime.date(2026, 1, 5), plan)
    plan.start_date = datetime.date(2026, 1, 12)
    plan.save()
    enrolment.refresh_from_db()
    assert enrolment.anchor_date == datetime.date(2026, 1, 12)
    assert SurveyInvitation.objects.get(enrolment=enrolment, wave__key="3m").due_date == datetime.date(2026, 4, 13)
