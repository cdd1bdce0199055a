"""Demo survey history (see the seed_demo command): two years of outcome scores around treatments.

Each clinic gets a standard schedule (baseline, 6 weeks, 3, 6, 12, 24 months after the plan's
start) and a cohort of patients with a plan (radiofrequency ablation, a spinal cord stimulator,
physical therapy only, or medication only) started up to two years ago. Past waves are answered
(a few missed), through the real services, so every stored score is the real scoring's; those who
respond to their treatment improve after it, the others do not, and one gets worse. One patient's
latest PHQ-9 answers item 9 above 0, leaving a safety alert open. The demo's earlier patients
with plans (the RFA, the SCS trial, the active opioid plan) get their baseline and waves too.

Deterministic (``random.Random(SEED)`` per patient) and safe to run again: a patient already
enrolled in the demo schedule is left as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from clinics.demo import DemoContext

from .models import (
    AnchorKind,
    InstrumentVersion,
    InvitationStatus,
    Response,
    SafetyAlert,
    SurveyEnrolment,
    SurveyInvitation,
    SurveySchedule,
    SurveyWave,
)
from .services import instruments_load_shipped, response_answers_save, response_start, response_submit

SEED = 1010
SCHEDULE_NAME = "Standard follow-up (demo)"
INSTRUMENTS = ["odi", "nrs_back", "nrs_leg", "phq9", "gad7"]
# key, label, days after the anchor, baseline
WAVES = [
    ("baseline", "Baseline", 0, True),
    ("w6", "6 weeks", 42, False),
    ("m3", "3 months", 91, False),
    ("m6", "6 months", 182, False),
    ("m12", "12 months", 365, False),
    ("m24", "24 months", 730, False),
]
WINDOW = 14


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


COHORT = [
    Member("north", "N-3001", "Helen", "Carter", date(1966, 4, 2), "female", "physician.north", "rfa", True, 760),
    Member("north", "N-3002", "Omar", "Haddad", date(1971, 7, 19), "male", "physician.north", "rfa", False, 700),
    Member("north", "N-3003", "Grace", "Liu", date(1969, 10, 8), "female", "physician.both", "scs", True, 745),
    Member("north", "N-3004", "Peter", "Novak", date(1958, 1, 30), "male", "physician.north", "scs", False, 520),
    Member("north", "N-3005", "Sara", "Lindgren", date(1980, 5, 14), "female", "physician.north", "pt", True, 400),
    Member("north", "N-3006", "Dmitri", "Volkov", date(1975, 12, 1), "male", "physician.both", "pt", False, 300,
           alert=True),  # fmt: skip
    Member("north", "N-3007", "Anna", "Becker", date(1962, 3, 22), "female", "physician.north", "other", False, 455,
           worsens=True),  # fmt: skip
    Member("north", "N-3008", "Luis", "Moreno", date(1984, 9, 9), "male", "physician.north", "rfa", True, 200),
    Member("south", "S-3001", "Mei", "Chen", date(1970, 6, 17), "female", "physician.south", "scs", True, 735),
    Member("south", "S-3002", "Tom", "Fischer", date(1964, 2, 5), "male", "physician.south", "rfa", False, 610),
    Member("south", "S-3003", "Zoe", "Adams", date(1987, 11, 28), "female", "physician.south", "pt", True, 380),
    Member("south", "S-3004", "Ian", "Walsh", date(1973, 8, 3), "male", "physician.both", "rfa", True, 250),
]

# How much of the baseline a responder has lost at full effect, per group.
EFFECT = {"rfa": 0.45, "scs": 0.55, "pt": 0.35, "other": 0.15}
RANGES = {"odi": (0, 100), "nrs_back": (0, 10), "nrs_leg": (0, 10), "phq9": (0, 27), "gad7": (0, 21)}
ODI_SECTIONS = ["pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing", "sleeping",
                "sex_life", "social_life", "travelling"]  # fmt: skip


def seed(ctx: DemoContext) -> None:
    if not InstrumentVersion.objects.exists():
        instruments_load_shipped()
    versions = _latest_versions()
    for key, clinic in ctx.clinics.items():
        schedule = _schedule(clinic)
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


def _schedule(clinic: Any) -> SurveySchedule:
    schedule, _created = SurveySchedule.objects.get_or_create(
        clinic=clinic, name=SCHEDULE_NAME, defaults={"anchor_kind": AnchorKind.PLAN_ACTIVATION}
    )
    for key, label, offset, baseline in WAVES:
        if not SurveyWave.objects.filter(schedule=schedule, key=key).exists():
            wave = SurveyWave(schedule=schedule, key=key, label=label, offset_days=offset, window_days=WINDOW,
                              instruments=INSTRUMENTS, is_baseline=baseline)  # fmt: skip
            wave.full_clean()
            wave.save()
    return schedule


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
    if SurveyEnrolment.objects.filter(patient=patient, schedule=schedule).exists():
        return
    rng = random.Random(f"{SEED}:{m.mrn}")  # noqa: S311 - demo data, not security
    enrolment = SurveyEnrolment(patient=patient, schedule=schedule, anchor_date=anchor,
                                source_kind=AnchorKind.PLAN_ACTIVATION)  # fmt: skip
    enrolment.full_clean()
    enrolment.save()
    baseline = {
        "odi": rng.randrange(19, 31) * 2,
        "nrs_back": rng.randint(6, 9),
        "nrs_leg": rng.randint(5, 9),
        "phq9": rng.randint(7, 15),
        "gad7": rng.randint(5, 12),
    }
    waves = list(schedule.waves.order_by("offset_days"))
    answered = [w for w in waves if anchor + timedelta(days=w.offset_days) + timedelta(days=WINDOW) <= today]
    for wave in waves:
        due = anchor + timedelta(days=wave.offset_days)
        opens = datetime.combine(due, time(9, 0), tzinfo=tz)
        invitation = SurveyInvitation(enrolment=enrolment, patient=patient, wave=wave, due_date=due, opens_at=opens,
                                      expires_at=opens + timedelta(days=WINDOW), language="en")  # fmt: skip
        last = bool(answered) and wave == answered[-1]
        if due > today:
            invitation.status = InvitationStatus.PENDING
        elif due + timedelta(days=WINDOW) > today:
            invitation.status = InvitationStatus.OPEN  # still open: answered or not yet
            invitation.invited_at = opens
        elif wave.is_baseline or last or rng.random() < 0.85:
            invitation.status = InvitationStatus.COMPLETED
            invitation.invited_at = opens
            invitation.completed_at = opens + timedelta(days=rng.randint(0, 5), hours=3)
        else:
            invitation.status = InvitationStatus.EXPIRED
            invitation.invited_at = opens
        invitation.full_clean()
        invitation.save()
        if invitation.status != InvitationStatus.COMPLETED or invitation.completed_at is None:
            continue
        effect = _effect(m, wave.offset_days, rng)
        for key in INSTRUMENTS:
            low, high = RANGES[key]
            value = round(baseline[key] * (1 - effect) + rng.uniform(-1, 1) * (high - low) / 25)
            if wave.is_baseline:
                value = baseline[key]
            value = max(low, min(high, value))
            answers = _answers(key, value, item9=m.alert and key == "phq9" and last)
            _respond(patient, versions[key], invitation, answers, invitation.completed_at)


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


def _respond(patient: Any, version: InstrumentVersion, invitation: SurveyInvitation, answers: dict[str, str],
             at: datetime) -> Response:  # fmt: skip
    response = response_start(patient=patient, instrument_version=version)
    # The demo answers on the patient's behalf: the response belongs to its invitation's wave.
    Response.objects.filter(pk=response.pk).update(invitation=invitation)
    response.invitation = invitation
    response_answers_save(response=response, answers=answers)
    result = response_submit(response=response, at=at)
    for alert in result.alerts:
        SafetyAlert.objects.get_or_create(response=response, kind=alert.key,
                                          defaults={"patient": patient, "level": alert.level})  # fmt: skip
    return response
