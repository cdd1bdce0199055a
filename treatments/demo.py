"""Demo treatment plans in several states (see the seed_demo command). Safe to run again: a plan
that already exists (same patient, same title) is left as it is."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clinics.demo import DemoContext

from . import choices as c
from . import kinds, services
from .models import GoalKind, GoalStatus, InterventionStatus, Medication, Modality, PlanStatus, TreatmentPlan

S = InterventionStatus


def _med(drug: str, dose: str, frequency: str, *, unit: str = "mg", route: str = "oral", **extra: Any) -> dict:
    return {"drug": drug, "dose": Decimal(dose), "unit": unit, "frequency": frequency, "route": route, **extra}


def _build(
    ctx: DemoContext,
    patient: Any,
    physician: str,
    *,
    title: str,
    start: date,
    review: date,
    summary: str,
    goals: list[dict],
    interventions: list[tuple[str, str, dict, dict]],
    team: tuple[tuple[str, str], ...] = (),
    finish: PlanStatus = PlanStatus.DRAFT,
    reason: str = "",
    end: date | None = None,
    keep: tuple[str, ...] = (),
) -> None:
    """A plan as the services build it; when it closes, the medications of ``keep`` (drug keys)
    continue on the patient's list and the others stop."""
    if TreatmentPlan.objects.filter(patient=patient, title=title).exists():
        return
    by = ctx.users[physician]
    plan = services.plan_create(
        patient=patient, by=by, title=title, start_date=start, review_date=review, summary=summary
    )
    for username, discipline in team:
        if username in ctx.users:
            services.care_team_add(plan=plan, by=by, user=ctx.users[username], discipline=discipline)
    for goal in goals:
        services.goal_add(plan=plan, by=by, **goal)
    for modality, status, dates, details in interventions:
        detail = kinds.detail_from(modality, details)
        services.intervention_add(plan=plan, by=by, modality=modality, status=status, detail=detail, **dates)
    if finish in (PlanStatus.ACTIVE, PlanStatus.COMPLETED):
        services.plan_activate(plan=plan, by=by)
    continuing = {m.pk: m.drug in keep for m in services.medications_to_settle(plan)}
    if finish == PlanStatus.COMPLETED:
        services.plan_complete(plan=plan, by=by, end_date=end, continuing=continuing)
    if finish == PlanStatus.DISCONTINUED:
        services.plan_discontinue(plan=plan, by=by, reason=reason, end_date=end, continuing=continuing)


def _outside(ctx: DemoContext, patient: Any, physician: str, *, start: date, prescriber: str, **med: Any) -> None:
    """A medication prescribed outside the clinic, on the patient's current list (once)."""
    if Medication.objects.filter(patient=patient, drug=med["drug"], prescriber=c.OUTSIDE).exists():
        return
    services.outside_medication_save(
        medication=Medication(start_date=start, prescriber_name=prescriber, **med),
        patient=patient,
        by=ctx.users[physician],
    )


def seed(ctx: DemoContext) -> None:
    today = timezone.localdate()
    ago = lambda days: today - timedelta(days=days)  # noqa: E731
    patients = ctx.extra.get("patients", {})
    north, south = patients.get("north", []), patients.get("south", [])

    if len(north) > 0:  # active, opioids at 60 MME/day: reassess and offer naloxone
        _build(
            ctx, north[0], "physician.north",
            title="Function first, fewer opioids", start=ago(42), review=today + timedelta(days=10),
            summary="Persistent L5 radicular pain after L4-S1 fusion. Build function, then taper opioids.",
            team=(("therapist.north", "physical_therapy"),),
            goals=[
                {"kind": GoalKind.PAIN, "baseline_value": 8, "target_value": 5, "status": GoalStatus.IN_PROGRESS},
                {"kind": GoalKind.FUNCTION, "baseline_value": 48, "target_value": 30, "status": GoalStatus.IN_PROGRESS},
                {"kind": GoalKind.OPIOID_REDUCTION, "baseline_value": 60, "target_value": 30, "status": GoalStatus.NOT_STARTED},
                {"kind": GoalKind.ACTIVITIES, "description": "Walk to the market and back", "status": GoalStatus.IN_PROGRESS},
            ],
            interventions=[
                (Modality.MEDICATION, S.IN_PROGRESS, {"start_date": ago(120)}, _med("oxycodone", "10", "tid")),
                (Modality.MEDICATION, S.IN_PROGRESS, {"start_date": ago(120)}, _med("hydrocodone", "5", "tid")),
                (Modality.MEDICATION, S.IN_PROGRESS, {"start_date": ago(42)}, _med("gabapentin", "300", "tid")),
                (Modality.MEDICATION, S.IN_PROGRESS, {"start_date": ago(42)}, _med("naloxone", "4", "prn", route="intranasal", max_per_day=2)),
                (Modality.PHYSICAL_THERAPY, S.IN_PROGRESS, {"start_date": ago(35)}, {"focus": ["core", "strengthening"], "sessions_per_week": 2, "weeks": 12}),
                (Modality.PSYCHOLOGICAL, S.SCHEDULED, {"start_date": today + timedelta(days=7)}, {"approach": "cbt", "sessions": 8}),
                (Modality.OPIOID_TAPER, S.PLANNED, {"start_date": today + timedelta(days=14)}, {"programme": "taper", "target_mme": "30", "step_percent": 10, "step_weeks": 4}),
                (Modality.COMPLEMENTARY, S.PLANNED, {"start_date": today + timedelta(days=10)}, {"therapy": "acupuncture", "sessions": 6}),
            ],
            finish=PlanStatus.ACTIVE,
        )  # fmt: skip
    if len(north) > 1:  # draft: an SCS trial being prepared
        _build(
            ctx, north[1], "physician.north",
            title="Spinal cord stimulator work-up", start=today + timedelta(days=7), review=today + timedelta(days=97),
            summary="Neuropathic leg pain after two discectomies; psychological screening before an SCS trial.",
            goals=[
                {"kind": GoalKind.PAIN, "baseline_value": 9, "target_value": 4},
                {"kind": GoalKind.RETURN_TO_WORK, "description": "Back to light duties at the warehouse"},
            ],
            interventions=[
                (Modality.PSYCHOLOGICAL, S.PLANNED, {}, {"approach": "cbt", "sessions": 4}),
                (Modality.NEUROMODULATION_TRIAL, S.PLANNED, {"start_date": today + timedelta(days=30)}, {"device": "scs", "levels": ["T8", "T9"], "cpt_code": "63650"}),
                (Modality.LIFESTYLE, S.PLANNED, {}, {"focus": "smoking", "target": "Stop smoking before the trial"}),
            ],
        )  # fmt: skip
    if len(north) > 2:  # completed: radiofrequency ablation with a good result
        _build(
            ctx, north[2], "physician.both",
            title="Facet pain programme", start=ago(300), review=ago(210),
            summary="Facet-mediated pain above a fusion (adjacent segment).",
            goals=[
                {"kind": GoalKind.PAIN, "baseline_value": 7, "target_value": 3, "status": GoalStatus.ACHIEVED},
                {"kind": GoalKind.RETURN_TO_WORK, "description": "Full-time at the office", "status": GoalStatus.PARTLY},
            ],
            interventions=[
                (Modality.PROCEDURE, S.DONE, {"start_date": ago(280)}, {"procedure_type": "medial_branch_block", "cpt_code": "64493", "levels": ["L3", "L4"], "side": "bilateral", "pain_before": 7, "pain_after": 2}),
                (Modality.PROCEDURE, S.DONE, {"start_date": ago(260)}, {"procedure_type": "rfa", "cpt_code": "64635", "levels": ["L3", "L4"], "side": "bilateral", "pain_before": 7, "pain_after": 3, "relief_duration": 6, "relief_duration_unit": "months"}),
                (Modality.PHYSICAL_THERAPY, S.DONE, {"start_date": ago(250), "end_date": ago(166)}, {"focus": ["flexibility", "posture"], "sessions_per_week": 1, "weeks": 12}),
                (Modality.COMPLEMENTARY, S.DONE, {"start_date": ago(240)}, {"therapy": "yoga", "sessions": 10}),
                # Continues after the plan (20 MME/day), on the patient's current medication list.
                (Modality.MEDICATION, S.IN_PROGRESS, {"start_date": ago(280)}, _med("tramadol", "50", "bid")),
                (Modality.MEDICATION, S.IN_PROGRESS, {"start_date": ago(280)}, _med("ibuprofen", "400", "tid")),
            ],
            finish=PlanStatus.COMPLETED, end=ago(200), keep=("tramadol",),
        )  # fmt: skip
        # The family doctor's codeine (18 MME/day): the chart's total is 38 MME/day.
        _outside(ctx, north[2], "physician.north", start=ago(90), prescriber="Dr. Family Practice",
                 drug="codeine", dose=Decimal(30), unit="mg", frequency="qid", route="oral")  # fmt: skip
    if len(north) > 3:  # discontinued
        _build(
            ctx, north[3], "physician.north",
            title="Epidural and conditioning", start=ago(150), review=ago(60),
            summary="Recurrent stenosis at L3-L4.",
            goals=[{"kind": GoalKind.FUNCTION, "baseline_value": 56, "target_value": 40, "status": GoalStatus.DROPPED}],
            interventions=[
                (Modality.PROCEDURE, S.DONE, {"start_date": ago(140)}, {"procedure_type": "esi_interlaminar", "cpt_code": "62323", "levels": ["L3", "L4"], "pain_before": 7, "pain_after": 5, "relief_duration": 3, "relief_duration_unit": "weeks"}),
                (Modality.SURGICAL_REVISION, S.PLANNED, {}, {"indication": "compression", "option": "Revision decompression L3-L4", "referred_to": "Spine surgery, North"}),
            ],
            finish=PlanStatus.DISCONTINUED, reason="The patient chose to pause treatment while caring for a family member.", end=ago(90),
        )  # fmt: skip
    if len(south) > 0:  # active: SCS trial succeeded, implant decided; fentanyl patch
        _build(
            ctx, south[0], "physician.south",
            title="Neuromodulation pathway", start=ago(60), review=today + timedelta(days=30),
            summary="Failed back surgery syndrome with neuropathic leg pain; SCS trial then implant.",
            goals=[
                {"kind": GoalKind.PAIN, "baseline_value": 8, "target_value": 4, "status": GoalStatus.IN_PROGRESS},
                {"kind": GoalKind.OPIOID_REDUCTION, "baseline_value": "58.8", "target_value": 20},
            ],
            interventions=[
                (Modality.MEDICATION, S.IN_PROGRESS, {"start_date": ago(200)}, _med("fentanyl_patch", "12", "patch72", unit="mcg/hr", route="transdermal")),
                (Modality.MEDICATION, S.IN_PROGRESS, {"start_date": ago(200)}, _med("oxycodone", "5", "prn", max_per_day=4)),
                (Modality.NEUROMODULATION_TRIAL, S.DONE, {"start_date": ago(20), "end_date": ago(13)}, {"device": "scs", "cpt_code": "63650", "levels": ["T8", "T9"], "baseline_nrs": 8, "trial_nrs": 3, "analgesic_change": "reduced", "decision": "implant"}),
                (Modality.PROCEDURE, S.SCHEDULED, {"start_date": today + timedelta(days=21)}, {"procedure_type": "scs_implant", "cpt_code": "63685", "levels": ["T8", "T9"]}),
            ],
            finish=PlanStatus.ACTIVE,
        )  # fmt: skip
