"""Demo survey history (see the seed_demo command): two years of outcome scores around treatments.

Each clinic's default schedule (baseline, 6 weeks, 3, 6, 12, 24 months) is anchored at the start
of each demo patient's plan, and each clinic gets a cohort of patients with a plan (radiofrequency ablation, a spinal cord stimulator,
physical therapy only, or medication only) started up to two years ago. Past waves are answered
(a few missed), through the real services, so every stored score is the real scoring's; those who
respond to their treatment improve after it, the others do not, and one gets worse. One patient's
latest PHQ-9 answers item 9 above 0, leaving a safety alert open. One patient missed the latest wave (overdue). The demo's earlier patients
with plans (the RFA, the SCS trial, the active opioid plan) get their baseline and waves too.

Deterministic (``random.Random(SEED)`` per patient) and safe to run again: a patient already
enrolled in the demo schedule is left as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from django.utils import timezone

from clinics.demo import DemoContext

from . import survey_flow, surveys
from .models import (
    Answer,
    InstrumentVersion,
    InvitationStatus,
    Response,
    ResponseScore,
    SurveyEnrolment,
    SurveyInvitation,
    SurveySchedule,
)
from .scoring import change, score
from .services import instruments_load_shipped

SEED = 1010
INSTRUMENTS = ["odi", "nrs_back", "nrs_leg", "phq9", "gad7"]


@dataclass(frozen=True)
class Member:
    clinic: str
    mrn: str
    given: str
    family: str
    born: date
    sex: str
    physician: str
    group: str  # rfa, scs, pt, other
    responds: bool
    anchor_days_ago: int
    alert: bool = False
    worsens: bool = False
    misses_last: bool = False


# The cohort, from demo_cohort.yaml.
COHORT = [
    Member(**row) for row in yaml.safe_load((Path(__file__).parent / "demo_cohort.yaml").read_text(encoding="utf-8"))
]

# How much of the baseline a responder has lost at full effect, per group.
EFFECT = {"rfa": 0.45, "scs": 0.55, "pt": 0.35, "other": 0.15}
RANGES = {"odi": (0, 100), "nrs_back": (0, 10), "nrs_leg": (0, 10), "phq9": (0, 27), "gad7": (0, 21)}
ODI_SECTIONS = ["pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing", "sleeping",
                "sex_life", "social_life", "travelling"]  # fmt: skip


def seed(ctx: DemoContext) -> None:
    _HISTORY.clear()
    _VERSIONS.clear()
    if not InstrumentVersion.objects.exists():
        instruments_load_shipped()
    versions = _latest_versions()
    for key, clinic in ctx.clinics.items():
        schedule = surveys.ensure_clinic_defaults(clinic)
        today = timezone.localtime(timezone.now(), clinic.tz).date()
        for member in (m for m in COHORT if m.clinic == key):
            patient, anchor = _cohort_patient(ctx, clinic, member, today)
            _history(patient, schedule, anchor, today, versions, clinic.tz, member)
        _earlier_demo_patients(ctx, key, schedule, today, versions, clinic.tz)


def _latest_versions() -> dict[str, InstrumentVersion]:
    versions: dict[str, InstrumentVersion] = {}
    for version in InstrumentVersion.objects.select_related("instrument").order_by("loaded_at", "pk"):
        if version.instrument.key == "odi" and not version.placeholder and "odi" in versions:
            continue  # keep the demo on the placeholder ODI: no licensed text in the demo
        versions.setdefault(version.instrument.key, version)
    return versions


def _cohort_patient(ctx: DemoContext, clinic: Any, m: Member, today: date) -> tuple[Any, date]:
    from patients.models import Patient
    from patients.services import patient_register
    from treatments import kinds
    from treatments import services as plans
    from treatments.models import GoalKind, InterventionStatus, Modality, TreatmentPlan

    anchor = today - timedelta(days=m.anchor_days_ago)
    by = ctx.users[m.physician]
    patient = Patient.objects.filter(clinic=clinic, mrn=m.mrn).first()
    if patient is None:
        patient = patient_register(
            clinic=clinic, by=by, given_name=m.given, family_name=m.family, mrn=m.mrn, date_of_birth=m.born,
            sex=m.sex, email=f"{m.mrn.lower()}@patients.example.org", consent_email=True, primary_physician=by,
        )  # fmt: skip
    if TreatmentPlan.objects.filter(patient=patient).exists():
        return patient, anchor
    titles = {"rfa": "Facet pain: blocks then ablation", "scs": "Neuromodulation pathway",
              "pt": "Active rehabilitation", "other": "Medication review"}  # fmt: skip
    plan = plans.plan_create(patient=patient, by=by, title=titles[m.group], start_date=anchor,
                             review_date=anchor + timedelta(days=180), summary="Demo plan with survey follow-up.")  # fmt: skip
    plans.goal_add(plan=plan, by=by, kind=GoalKind.FUNCTION, baseline_value=Decimal(50), target_value=Decimal(30))
    done = InterventionStatus.DONE
    steps: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
    if m.group == "rfa":
        steps = [
            (Modality.PROCEDURE, done, {"start_date": anchor + timedelta(days=10)},
             {"procedure_type": "medial_branch_block", "cpt_code": "64493", "levels": ["L4", "L5"], "side": "bilateral"}),
            (Modality.PROCEDURE, done, {"start_date": anchor + timedelta(days=28)},
             {"procedure_type": "rfa", "cpt_code": "64635", "levels": ["L4", "L5"], "side": "bilateral"}),
        ]  # fmt: skip
    elif m.group == "scs":
        steps = [
            (Modality.NEUROMODULATION_TRIAL, done,
             {"start_date": anchor + timedelta(days=14), "end_date": anchor + timedelta(days=21)},
             {"device": "scs", "cpt_code": "63650", "levels": ["T8", "T9"], "baseline_nrs": 8, "trial_nrs": 3,
              "analgesic_change": "reduced", "decision": "implant"}),
            (Modality.PROCEDURE, done, {"start_date": anchor + timedelta(days=40)},
             {"procedure_type": "scs_implant", "cpt_code": "63685", "levels": ["T8", "T9"]}),
        ]  # fmt: skip
    elif m.group == "pt":
        steps = [(Modality.PHYSICAL_THERAPY, done,
                  {"start_date": anchor + timedelta(days=7), "end_date": anchor + timedelta(days=91)},
                  {"focus": ["core", "strengthening"], "sessions_per_week": 2, "weeks": 12})]  # fmt: skip
    else:
        steps = [(Modality.MEDICATION, InterventionStatus.IN_PROGRESS, {"start_date": anchor},
                  {"drug": "gabapentin", "dose": Decimal(300), "unit": "mg", "frequency": "tid", "route": "oral"})]  # fmt: skip
    for modality, status, dates, details in steps:
        plans.intervention_add(plan=plan, by=by, modality=modality, status=status,
                               detail=kinds.detail_from(modality, details), **dates)  # fmt: skip
    plans.plan_activate(plan=plan, by=by)
    # The course is over by now (the demo's active plans are the treatments demo's own).
    # Its medications stop with it (closing a plan settles each one, issue 8).
    stops = {m.pk: False for m in plans.medications_to_settle(plan)}
    end = min(today - timedelta(days=1), anchor + timedelta(days=180))
    plans.plan_complete(plan=plan, by=by, end_date=end, continuing=stops)
    return patient, anchor


def _earlier_demo_patients(ctx: DemoContext, key: str, schedule: SurveySchedule, today: date,
                           versions: dict[str, InstrumentVersion], tz: ZoneInfo) -> None:  # fmt: skip
    """The patients the other apps' demos made, whose plans have started: anchored at the plan."""
    from treatments.models import PlanStatus, TreatmentPlan

    for patient in ctx.extra.get("patients", {}).get(key, []):
        plan = (
            TreatmentPlan.objects.filter(patient=patient, start_date__lte=today)
            .exclude(status=PlanStatus.DRAFT)
            .order_by("start_date")
            .first()
        )
        if plan is None:
            continue
        done_rfa = plan.interventions.filter(procedure__procedure_type="rfa", status="done").exists()
        member = Member(key, patient.mrn, "", "", patient.date_of_birth, "", "", "rfa" if done_rfa else "other",
                        responds=done_rfa, anchor_days_ago=(today - plan.start_date).days)  # fmt: skip
        _history(patient, schedule, plan.start_date, today, versions, tz, member)


def _history(patient: Any, schedule: SurveySchedule, anchor: date, today: date,
             versions: dict[str, InstrumentVersion], tz: ZoneInfo, m: Member) -> None:  # fmt: skip
    """Enrol the patient (the real service: one invitation per wave, past windows expired), then
    answer the waves the patient answered, page by page, at the time they were open."""
    if SurveyEnrolment.objects.filter(patient=patient, schedule=schedule).exists():
        return
    rng = random.Random(f"{SEED}:{m.mrn}")  # noqa: S311 - demo data, not security
    surveys.enrol(patient=patient, schedule=schedule, anchor_date=anchor, by=None)
    baseline = {
        "odi": rng.randrange(19, 31) * 2,
        "nrs_back": rng.randint(6, 9),
        "nrs_leg": rng.randint(5, 9),
        "phq9": rng.randint(7, 15),
        "gad7": rng.randint(5, 12),
    }
    invitations = list(
        SurveyInvitation.objects.filter(patient=patient, enrolment__schedule=schedule)
        .select_related("wave", "enrolment", "patient")
        .order_by("due_date")
    )
    closed = [i for i in invitations if i.status == InvitationStatus.EXPIRED]
    for invitation in closed:
        last = invitation == closed[-1]
        if last and m.misses_last:
            continue  # the latest wave went unanswered: an overdue survey on the worklist
        if not (invitation.wave.is_baseline or last or rng.random() < 0.85):
            continue  # missed: stays expired
        at = invitation.opens_at + timedelta(days=rng.randint(0, 5), hours=rng.randint(1, 9))
        effect = _effect(m, invitation.wave.offset_days, rng)
        values = {}
        for key in INSTRUMENTS:
            low, high = RANGES[key]
            value = round(baseline[key] * (1 - effect) + rng.uniform(-1, 1) * (high - low) / 25)
            values[key] = max(low, min(high, baseline[key] if invitation.wave.is_baseline else value))
        pgic = 2 if effect > 0.25 else 4 if effect > -0.05 else 6
        _answer_wave(invitation, values, pgic, at, item9=m.alert and last)


def _answer_wave(invitation: SurveyInvitation, values: dict[str, int], pgic: int, at: datetime, *, item9: bool) -> None:
    """The wave's answers, scored by the real scoring and stored in bulk (a response, its answers and
    its scores per instrument), with the change from the patient's baseline and previous score and
    the meaningful-change flags computed as submitting computes them (``scoring.change``); then
    the invitation is completed and any alert raised through the survey's own service.

    Bulk, because the demo is loaded by several tests: answering page by page through the forms'
    services would run hundreds of queries per wave."""
    responses: list[Response] = []
    rows: list[tuple[Response, dict[str, str]]] = []
    for key in invitation.wave.instruments:
        version = _version(key)
        if version is None:
            continue
        if key in values:
            answers = _answers(key, values[key], item9=item9 and key == "phq9")
        elif key == "pgic":
            answers = {"change": str(pgic)}
        else:
            answers = {"work_status": "part_time", "analgesic_use": "some_days", "satisfaction": str(6 - min(5, max(1, pgic)))}
        response = Response(patient=invitation.patient, instrument_version=version, invitation=invitation,
                            language="en", submitted_at=at)  # fmt: skip
        responses.append(response)
        rows.append((response, answers))
    Response.objects.bulk_create(responses)
    answer_rows, score_rows, alerting = [], [], []
    for response, answers in rows:
        definition = response.instrument_version.parsed()
        result = score(definition, answers)
        answer_rows += [Answer(response=response, item_key=k, value=v) for k, v in answers.items()]
        if result.alerts:
            alerting.append(response)
        for part in [result, *result.subscores.values()] if result.key else []:
            row = ResponseScore(response=response, key=part.key, scorable=part.scorable, total=part.total,
                                band=part.band or "", responder=part.responder, reason=part.reason[:300])  # fmt: skip
            history = _HISTORY.setdefault((response.patient_id, definition.key, part.key), [])
            if part.total is not None:
                if history:
                    moved = change(definition, history[0], part.total, score_key=part.key)
                    has_rule = any(s.key == part.key and s.meaningful_change is not None for s in definition.scores)
                    row.change_from_baseline = moved.points
                    row.change_from_previous = part.total - history[-1]
                    row.improved = moved.improved if has_rule else None
                    row.worsened = moved.worsened if has_rule else None
                history.append(part.total)
            score_rows.append(row)
    Answer.objects.bulk_create(answer_rows)
    ResponseScore.objects.bulk_create(score_rows)
    invitation.status = InvitationStatus.COMPLETED
    invitation.completed_at = at
    invitation.full_clean(validate_constraints=False)
    invitation.save(update_fields=["status", "completed_at", "updated_at"])
    for response in alerting:
        survey_flow.alerts_raise(response=response)


# The scores stored so far per (patient, instrument, score), oldest first: the demo answers waves in
# date order, so the first is the baseline and the last the previous score.
_HISTORY: dict[tuple[int, str, str], list[Decimal]] = {}
_VERSIONS: dict[str, InstrumentVersion | None] = {}


def _version(key: str) -> InstrumentVersion | None:
    if key not in _VERSIONS:
        _VERSIONS[key] = survey_flow.version_for(key)
    return _VERSIONS[key]


def _effect(m: Member, offset: int, rng: random.Random) -> float:
    """The share of the baseline lost by this wave (negative: worse)."""
    if offset == 0:
        return 0.0
    if m.worsens:
        return -min(0.4, offset / 900)
    if not m.responds:
        return rng.uniform(-0.08, 0.1)
    full = EFFECT[m.group]
    if m.group == "rfa" and offset >= 365:
        full *= 0.6  # ablation wears off as the nerves regrow
    ramp = min(1.0, offset / 91)
    return full * ramp + rng.uniform(-0.05, 0.05)


def _answers(key: str, value: int, *, item9: bool = False) -> dict[str, str]:
    if key in ("nrs_back", "nrs_leg"):
        return {"pain": str(value)}
    if key == "odi":
        return _spread(ODI_SECTIONS, value // 2, 5)
    count = 9 if key == "phq9" else 7
    items = [f"item{n}" for n in range(1, count + 1)]
    if key == "phq9":
        answers = _spread(items[:-1], value - (1 if item9 else 0), 3)
        answers["item9"] = "1" if item9 else "0"
        return answers
    return _spread(items, value, 3)


def _spread(keys: list[str], total: int, most: int) -> dict[str, str]:
    """Answers to ``keys`` (each 0..most) adding up to ``total``, spread evenly."""
    total = max(0, min(total, most * len(keys)))
    base, extra = divmod(total, len(keys))
    return {key: str(base + (1 if n < extra else 0)) for n, key in enumerate(keys)}
