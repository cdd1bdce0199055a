"""Follow-up rules: items made from plans and interventions, idempotently, closed with their source."""

from datetime import date, timedelta
from typing import Any

import pytest

from patients.models import PatientStatus
from scheduling import services
from scheduling.followups import _procedure_kind, sync_follow_ups_for_patient
from scheduling.models import FollowUp, FollowUpEvent, FollowUpKind, FollowUpRule, FollowUpStatus
from treatments.models import (
    Intervention,
    InterventionStatus,
    Modality,
    NeuromodulationTrial,
    PlanStatus,
    ProcedureDetail,
)
from treatments.tests.factories import InterventionFactory, TreatmentPlanFactory

from .conftest import MONDAY
from .test_services import local

DONE_ON = date(2026, 11, 2)


def active_plan(patient: Any, author: Any) -> Any:
    return TreatmentPlanFactory.create(
        patient=patient, author=author, status=PlanStatus.ACTIVE, start_date=date(2026, 10, 1),
        review_date=date(2026, 12, 15),
    )  # fmt: skip


def procedure(plan: Any, kind: str, status: str = InterventionStatus.DONE, **kw: Any) -> Any:
    return InterventionFactory.create(
        plan=plan, modality=Modality.PROCEDURE, status=status, start_date=DONE_ON,
        details={"procedure_type": kind}, **kw,
    )  # fmt: skip


def items(patient: Any, **filters: Any) -> dict[str, FollowUp]:
    return {f.event: f for f in FollowUp.objects.filter(patient=patient, kind=FollowUpKind.FOLLOW_UP, **filters)}


@pytest.mark.parametrize(
    ("typed", "modality", "expected"),
    [
        (ProcedureDetail(procedure_type="esi_transforaminal"), Modality.PROCEDURE, FollowUpEvent.INJECTION),
        (ProcedureDetail(procedure_type="rfa"), Modality.PROCEDURE, FollowUpEvent.RFA),
        (ProcedureDetail(procedure_type="scs_implant"), Modality.PROCEDURE, FollowUpEvent.IMPLANT),
        (ProcedureDetail(procedure_type="other"), Modality.PROCEDURE, None),
        (None, Modality.PROCEDURE, None),
        (NeuromodulationTrial(device="scs"), Modality.NEUROMODULATION_TRIAL, FollowUpEvent.SCS_TRIAL),
        (NeuromodulationTrial(device="pump"), Modality.NEUROMODULATION_TRIAL, None),
        (None, Modality.NEUROMODULATION_TRIAL, None),
        (None, Modality.PHYSICAL_THERAPY, None),
    ],
)
def test_the_adapter_reads_the_typed_procedure_and_trial(typed, modality, expected):
    i = Intervention(modality=modality)
    if typed is not None:
        typed.intervention = i  # sets the one-to-one's reverse side too: no query
    assert _procedure_kind(i) == expected


def test_recording_procedures_and_trials_creates_their_follow_ups(calendar_a, physician_a, patient_a):
    plan = active_plan(patient_a, physician_a)
    procedure(plan, "esi_interlaminar")
    procedure(plan, "rfa", status=InterventionStatus.PLANNED)  # not done yet: nothing
    procedure(plan, "pump_implant")
    InterventionFactory.create(
        plan=plan, modality=Modality.NEUROMODULATION_TRIAL, status=InterventionStatus.IN_PROGRESS,
        start_date=date(2026, 11, 10), end_date=date(2026, 11, 16), details={"device": "scs"},
    )  # fmt: skip
    made = items(patient_a)
    assert made[FollowUpEvent.INJECTION].due_date == DONE_ON + timedelta(days=14)
    assert made[FollowUpEvent.INJECTION].reason == "Follow-up after procedure"
    assert made[FollowUpEvent.IMPLANT].due_date == DONE_ON + timedelta(days=10)
    assert str(made[FollowUpEvent.IMPLANT].appointment_type) == "Wound check"
    assert made[FollowUpEvent.SCS_TRIAL].due_date == date(2026, 11, 16)
    assert made[FollowUpEvent.PLAN_REVIEW].due_date == date(2026, 12, 15)
    assert FollowUpEvent.RFA not in made
    assert all(f.provider == physician_a for f in made.values())


def test_planned_sessions_of_an_active_plan_are_items_to_book(calendar_a, physician_a, patient_a):
    plan = active_plan(patient_a, physician_a)
    InterventionFactory.create(plan=plan, modality=Modality.PHYSICAL_THERAPY, start_date=date(2026, 11, 20))
    InterventionFactory.create(
        plan=plan, modality=Modality.PSYCHOLOGICAL, start_date=None, details={"approach": "cbt", "sessions": 6}
    )
    made = items(patient_a)
    assert made[FollowUpEvent.PHYSICAL_THERAPY].due_date == date(2026, 11, 20)
    assert str(made[FollowUpEvent.PHYSICAL_THERAPY].appointment_type) == "Physical therapy"
    assert FollowUpEvent.PSYCHOLOGY in made


def test_syncing_again_changes_nothing(calendar_a, physician_a, patient_a):
    plan = active_plan(patient_a, physician_a)
    procedure(plan, "facet_injection")
    before = list(FollowUp.objects.values_list("pk", "status", "due_date", "updated_at"))
    for _ in range(3):
        sync_follow_ups_for_patient(patient_a)
    assert list(FollowUp.objects.values_list("pk", "status", "due_date", "updated_at")) == before
    assert FollowUp.objects.count() == 2  # the injection and the plan review


def test_a_draft_plan_makes_nothing_and_activation_makes_the_review(calendar_a, physician_a, patient_a):
    plan = TreatmentPlanFactory.create(
        patient=patient_a, author=physician_a, start_date=date(2026, 10, 1), review_date=date(2026, 12, 1)
    )
    procedure(plan, "rfa")
    assert not FollowUp.objects.exists()
    plan.status = PlanStatus.ACTIVE
    plan.save()
    assert set(items(patient_a)) == {FollowUpEvent.RFA, FollowUpEvent.PLAN_REVIEW}


def test_items_close_with_their_plan_or_patient_and_reopen(calendar_a, physician_a, patient_a):
    plan = active_plan(patient_a, physician_a)
    procedure(plan, "rfa")
    patient_a.status = PatientStatus.DISCHARGED
    patient_a.save()
    assert not items(patient_a, status=FollowUpStatus.OPEN)
    patient_a.status = PatientStatus.ACTIVE
    patient_a.save()
    assert set(items(patient_a, status=FollowUpStatus.OPEN)) == {FollowUpEvent.RFA, FollowUpEvent.PLAN_REVIEW}
    plan.status = PlanStatus.COMPLETED
    plan.end_date = date(2026, 11, 30)
    plan.save()
    closed = items(patient_a)
    assert {f.status for f in closed.values()} == {FollowUpStatus.CLOSED}
    assert FollowUp.objects.filter(patient=patient_a).count() == 2


def test_an_item_is_done_when_booked_and_back_when_the_booking_is_cancelled(
    calendar_a, physician_a, frontdesk_a, patient_a
):
    plan = active_plan(patient_a, physician_a)
    procedure(plan, "esi_interlaminar")
    item = items(patient_a)[FollowUpEvent.INJECTION]
    assert item.appointment_type is not None
    a = services.book(
        clinic=calendar_a, patient=patient_a, provider=physician_a, appointment_type=item.appointment_type,
        starts_at=local(MONDAY, 9), follow_up=item, by=frontdesk_a,
    )  # fmt: skip
    item.refresh_from_db()
    assert (item.status, item.appointment) == (FollowUpStatus.BOOKED, a)
    assert a.intervention == item.source_intervention
    sync_follow_ups_for_patient(patient_a)
    item.refresh_from_db()
    assert item.status == FollowUpStatus.BOOKED  # the rules leave a booked item alone
    moved = services.reschedule(appointment=a, starts_at=local(MONDAY, 10), by=frontdesk_a)
    item.refresh_from_db()
    assert item.appointment == moved
    services.cancel(appointment=moved, reason="Patient feels well", by=frontdesk_a)
    item.refresh_from_db()
    assert (item.status, item.appointment) == (FollowUpStatus.OPEN, None)


def test_a_clinic_admin_can_change_a_rule(calendar_a, physician_a, patient_a):
    FollowUpRule.objects.filter(clinic=calendar_a, event=FollowUpEvent.INJECTION).update(offset_days=21)
    procedure(active_plan(patient_a, physician_a), "si_injection")
    assert items(patient_a)[FollowUpEvent.INJECTION].due_date == DONE_ON + timedelta(days=21)
    FollowUpRule.objects.filter(clinic=calendar_a, event=FollowUpEvent.PLAN_REVIEW).update(is_active=False)
    sync_follow_ups_for_patient(patient_a)
    assert not items(patient_a, status=FollowUpStatus.OPEN, event=FollowUpEvent.PLAN_REVIEW)


def test_a_booked_follow_up_cannot_be_booked_twice(calendar_a, physician_a, frontdesk_a, patient_a):
    procedure(active_plan(patient_a, physician_a), "nerve_block")
    item = items(patient_a)[FollowUpEvent.INJECTION]
    kw: dict[str, Any] = {"clinic": calendar_a, "patient": patient_a, "provider": physician_a, "appointment_type": item.appointment_type,
          "follow_up": item, "by": frontdesk_a}  # fmt: skip
    services.book(starts_at=local(MONDAY, 9), **kw)
    with pytest.raises(Exception, match="already booked or closed"):
        services.book(starts_at=local(MONDAY, 11), **kw)


@pytest.mark.parametrize("status", [PatientStatus.DISCHARGED, PatientStatus.DECEASED])
def test_a_status_change_takes_the_patient_off_the_worklist(calendar_a, physician_a, frontdesk_a, patient_a, status):
    from patients.services import patient_change_status
    from scheduling.selectors import worklist

    plan = active_plan(patient_a, physician_a)
    procedure(plan, "rfa")
    assert worklist(calendar_a).filter(patient=patient_a).exists()

    patient_change_status(patient=patient_a, status=status, by=frontdesk_a)

    assert not worklist(calendar_a).filter(patient=patient_a).exists()
    assert FollowUp.objects.filter(patient=patient_a).exists()  # closed, not deleted


def test_an_intervention_entered_in_error_makes_no_follow_up(calendar_a, physician_a, patient_a):
    from clinics.records import mark_entered_in_error

    plan = active_plan(patient_a, physician_a)
    rfa = procedure(plan, "rfa")
    assert FollowUpEvent.RFA in items(patient_a, status=FollowUpStatus.OPEN)

    mark_entered_in_error(record=rfa, by=physician_a, reason="Wrong patient")
    sync_follow_ups_for_patient(patient_a)

    assert FollowUpEvent.RFA not in items(patient_a, status=FollowUpStatus.OPEN)
