"""The follow-up rule engine: what in a patient's plan makes a visit due, and the clinic's defaults.

``sync_follow_ups_for_patient`` derives the worklist items of one patient from the patient's
current plans and interventions. It is idempotent: an item is unique per (patient, kind, source),
so running it again changes nothing; it runs after every save of a patient, plan or intervention
(``apps.py`` connects the signals; ``treatments`` knows nothing of scheduling).

Only the stable, common fields of treatments are read here (plan status, review date, patient;
intervention modality, status, dates, plan). The kind of a procedure and the device of a trial
are read in ONE place, ``_procedure_kind``, from treatments' typed models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Clinic
from clinics.roles import Role
from patients.models import Patient, PatientStatus
from treatments.choices import ENDED_STATUSES, InterventionStatus, Modality, PlanStatus

from .models import Appointment, AppointmentType, FollowUp, FollowUpEvent, FollowUpKind, FollowUpRule, FollowUpStatus

# key, name, default minutes, roles that provide it
DEFAULT_TYPES: list[tuple[str, Any, int, list[str]]] = [
    ("new_consultation", _("New consultation"), 45, [Role.PHYSICIAN]),
    ("follow_up", _("Follow-up"), 20, [Role.PHYSICIAN, Role.NURSE]),
    ("procedure", _("Procedure"), 60, [Role.PHYSICIAN]),
    ("physical_therapy", _("Physical therapy"), 45, [Role.THERAPIST]),
    ("psychology", _("Psychology"), 50, [Role.PSYCHOLOGIST]),
    ("imaging_review", _("Imaging review"), 20, [Role.PHYSICIAN]),
    ("stimulator_programming", _("Stimulator programming"), 30, [Role.PHYSICIAN, Role.NURSE]),
    ("wound_check", _("Wound check"), 15, [Role.NURSE, Role.PHYSICIAN]),
    ("plan_review", _("Plan review"), 30, [Role.PHYSICIAN]),
]

# event, offset days, window days, appointment type key, worklist text (never clinical detail)
DEFAULT_RULES: list[tuple[str, int, int, str, Any]] = [
    (FollowUpEvent.INJECTION, 14, 0, "follow_up", _("Follow-up after procedure")),
    (FollowUpEvent.RFA, 14, 0, "follow_up", _("Follow-up after procedure")),
    (FollowUpEvent.SCS_TRIAL, 0, 2, "follow_up", _("Trial review at end of trial")),
    (FollowUpEvent.IMPLANT, 10, 4, "wound_check", _("Wound check at 10-14 days")),
    (FollowUpEvent.PLAN_REVIEW, 0, 7, "plan_review", _("Plan review")),
    (FollowUpEvent.PHYSICAL_THERAPY, 0, 0, "physical_therapy", _("Book physical therapy sessions")),
    (FollowUpEvent.PSYCHOLOGY, 0, 0, "psychology", _("Book psychology sessions")),
]

# A trial without an end date is reviewed this many days after its start (SCS trials: 3-8 days).
TRIAL_DEFAULT_DAYS = 7

INJECTIONS = frozenset(
    {"esi_interlaminar", "esi_transforaminal", "nerve_block", "medial_branch_block", "facet_injection", "si_injection"}
)
IMPLANTS = frozenset({"scs_implant", "pump_implant"})

# A trial is running (or has run) once scheduled: its review is due at its end.
TRIAL_RUNNING = frozenset({InterventionStatus.SCHEDULED, InterventionStatus.IN_PROGRESS, InterventionStatus.DONE})

SOURCE_GONE = "source_gone"
DISMISSED = "dismissed"


def _procedure_kind(intervention: Any) -> str | None:
    """The follow-up event of a procedure or trial, or None.

    THE ADAPTER: the only code that reads the procedure type / trial device, from treatments'
    typed models (``intervention.procedure``: ProcedureDetail, ``intervention.trial``:
    NeuromodulationTrial, both one-to-one). An intervention without its typed row yet is no event.
    """
    if intervention.modality == Modality.PROCEDURE:
        detail = _typed(intervention, "procedure")
        kind = detail.procedure_type if detail is not None else None
        if kind in IMPLANTS:
            return FollowUpEvent.IMPLANT
        if kind == "rfa":
            return FollowUpEvent.RFA
        if kind in INJECTIONS:
            return FollowUpEvent.INJECTION
        return None
    if intervention.modality == Modality.NEUROMODULATION_TRIAL:
        trial = _typed(intervention, "trial")
        return FollowUpEvent.SCS_TRIAL if trial is not None and trial.device == "scs" else None
    return None


def _typed(intervention: Any, related_name: str) -> Any:
    """The intervention's one-to-one typed row, or None when it has none."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return getattr(intervention, related_name)
    except ObjectDoesNotExist:
        return None


def ensure_clinic_defaults(clinic: Clinic) -> None:
    """The default appointment types and follow-up rules of a clinic, made once (safe to repeat)."""
    types = {t.key: t for t in AppointmentType.objects.filter(clinic=clinic)}
    for key, name, minutes, roles in DEFAULT_TYPES:
        if key not in types:
            types[key] = AppointmentType.objects.create(
                clinic=clinic, key=key, name=str(name), minutes=minutes, roles=[str(r) for r in roles]
            )
    have = set(FollowUpRule.objects.filter(clinic=clinic).values_list("event", flat=True))
    for event, offset, window, type_key, reason in DEFAULT_RULES:
        if event not in have:
            FollowUpRule.objects.create(
                clinic=clinic,
                event=event,
                offset_days=offset,
                window_days=window,
                appointment_type=types[type_key],
                reason=str(reason),
            )


def rules_for(clinic: Clinic) -> dict[str, FollowUpRule]:
    rules = list(FollowUpRule.objects.filter(clinic=clinic).select_related("appointment_type"))
    if not rules:
        ensure_clinic_defaults(clinic)
        rules = list(FollowUpRule.objects.filter(clinic=clinic).select_related("appointment_type"))
    return {r.event: r for r in rules if r.is_active}


@dataclass(frozen=True)
class Wanted:
    event: str
    anchor: date
    source_key: str
    plan: Any
    intervention: Any = None
    provider_id: int | None = None


def _wanted(patient: Patient, today: date) -> list[Wanted]:
    """What the patient's active plan calls for (two queries: plans, then their interventions)."""
    from django.db.models import Prefetch

    from treatments.models import Intervention, TreatmentPlan  # scheduling may import treatments, not the reverse

    wanted: list[Wanted] = []
    plans = TreatmentPlan.objects.filter(patient=patient, status=PlanStatus.ACTIVE).prefetch_related(
        Prefetch("interventions", queryset=Intervention.objects.current().select_related("procedure", "trial"))
    )
    for plan in plans:
        wanted.append(
            Wanted(FollowUpEvent.PLAN_REVIEW, plan.review_date, f"plan:{plan.pk}", plan, None, plan.author_id)
        )
        for i in plan.interventions.all():
            anchor: date | None = None
            event: str | None = None
            kind = _procedure_kind(i)
            if i.modality == Modality.PROCEDURE and i.status == InterventionStatus.DONE and kind:
                event, anchor = kind, i.end_date or i.start_date or today
            elif i.modality == Modality.NEUROMODULATION_TRIAL and i.status in TRIAL_RUNNING and kind and i.start_date:
                event = kind
                anchor = i.end_date or i.start_date + timedelta(days=TRIAL_DEFAULT_DAYS)
            elif i.modality == Modality.PHYSICAL_THERAPY and i.status not in ENDED_STATUSES:
                event, anchor = FollowUpEvent.PHYSICAL_THERAPY, i.start_date or today
            elif i.modality == Modality.PSYCHOLOGICAL and i.status not in ENDED_STATUSES:
                event, anchor = FollowUpEvent.PSYCHOLOGY, i.start_date or today
            if event and anchor:
                provider = (
                    plan.author_id if event not in (FollowUpEvent.PHYSICAL_THERAPY, FollowUpEvent.PSYCHOLOGY) else None
                )
                wanted.append(Wanted(event, anchor, f"intervention:{i.pk}", plan, i, provider))
    return wanted


@transaction.atomic
def sync_follow_ups_for_patient(patient: Patient, *, today: date | None = None) -> None:
    """Create, update and close the patient's rule-made worklist items to match the plan (idempotent).

    Items open while their source qualifies; when the plan closes or the patient is discharged or
    deceased, open items close (``closed_reason = "source_gone"``) and reopen if it qualifies again.
    Items booked or dismissed by a person are left alone.
    """
    today = today or timezone.localdate()
    active = patient.status == PatientStatus.ACTIVE
    wanted = _wanted(patient, today) if active else []
    existing: dict[tuple[str, str], FollowUp] = {
        (f.kind, f.source_key): f for f in FollowUp.objects.filter(patient=patient)
    }
    rules = rules_for(patient.clinic) if wanted else {}
    seen: set[tuple[str, str]] = set()
    for w in wanted:
        rule = rules.get(w.event)
        if rule is None:
            continue
        key: tuple[str, str] = (str(FollowUpKind.FOLLOW_UP), w.source_key)
        seen.add(key)
        fields = {
            "clinic_id": patient.clinic_id,
            "event": w.event,
            "due_date": w.anchor + timedelta(days=rule.offset_days),
            "reason": rule.reason,
            "appointment_type_id": rule.appointment_type_id,
            "provider_id": w.provider_id,
            "source_plan_id": w.plan.pk,
            "source_intervention_id": w.intervention.pk if w.intervention is not None else None,
        }
        item = existing.get(key)
        if item is None:
            item, created = FollowUp.objects.get_or_create(
                patient=patient, kind=FollowUpKind.FOLLOW_UP, source_key=w.source_key, defaults=fields
            )
            if created:
                continue
        changed = False
        if item.status == FollowUpStatus.CLOSED and item.closed_reason == SOURCE_GONE:
            item.status, item.closed_reason, changed = FollowUpStatus.OPEN, "", True
        if item.status == FollowUpStatus.OPEN:
            for name, value in fields.items():
                if getattr(item, name) != value:
                    setattr(item, name, value)
                    changed = True
        if changed:
            item.save()
    for (kind, source_key), item in existing.items():
        closes = not active or (kind == FollowUpKind.FOLLOW_UP and (kind, source_key) not in seen)
        if closes and item.status == FollowUpStatus.OPEN:
            item.status, item.closed_reason = FollowUpStatus.CLOSED, SOURCE_GONE
            item.save(update_fields=["status", "closed_reason", "updated_at"])


def appointment_item(
    appointment: Appointment, *, kind: str, reason: str, source_intervention: Any = None
) -> FollowUp:
    """The worklist item of ``kind`` about ``appointment`` (a call-back), made once however often asked."""
    item, _created = FollowUp.objects.get_or_create(
        patient=appointment.patient,
        kind=kind,
        source_key=f"appointment:{appointment.pk}",
        defaults={
            "clinic": appointment.clinic,
            "due_date": appointment.local_start().date(),
            "reason": reason,
            "appointment_type": appointment.appointment_type,
            "provider_id": appointment.provider_id,
            "source_appointment": appointment,
            "source_intervention": source_intervention,
        },
    )
    return item
