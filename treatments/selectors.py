"""Reads of treatment plans, already scoped and shaped so a page's query count stays fixed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from clinics.models import Clinic, Membership
from patients.models import Patient

from . import kinds, mme
from .models import CareTeamMember, Goal, Intervention, InterventionStatus, Modality, PlanStatus, TreatmentPlan


def plans_with_parts() -> models.QuerySet[TreatmentPlan]:
    """Plans with their patient, author, goals, care team and interventions, in four queries."""
    return TreatmentPlan.objects.select_related(
        "patient__clinic", "patient__primary_physician", "author"
    ).prefetch_related(
        Prefetch("goals", queryset=Goal.objects.order_by("created_at", "id")),
        Prefetch("care_team", queryset=CareTeamMember.objects.select_related("user")),
        Prefetch("interventions", queryset=Intervention.objects.order_by("start_date", "created_at", "id")),
    )


def plans_of_patient(patient: Patient) -> list[TreatmentPlan]:
    return list(plans_with_parts().filter(patient=patient).order_by("-start_date", "-created_at"))


def active_prescriptions(patient: Patient) -> list[Intervention]:
    """Medication interventions on the patient's active plan (one query)."""
    return list(
        Intervention.objects.filter(
            plan__patient=patient, plan__status=PlanStatus.ACTIVE, modality=Modality.MEDICATION
        ).order_by("start_date", "id")
    )


def mme_total(medications: list[Intervention], *, on: date | None = None) -> mme.Total:
    """The patient's MME/day over the current opioid prescriptions among ``medications``."""
    prescriptions = [p for p in (kinds.prescription(i) for i in medications) if p is not None]
    return mme.total_mme(prescriptions, on=on or timezone.localdate())


def mme_of_patient(patient: Patient, *, on: date | None = None) -> mme.Total:
    return mme_total(active_prescriptions(patient), on=on)


def plans_due_for_review(membership: Membership, *, within_days: int = 14) -> models.QuerySet[TreatmentPlan]:
    """Active plans of the clinic that the user leads (author or primary physician), due soon."""
    horizon = timezone.localdate() + timedelta(days=within_days)
    return (
        TreatmentPlan.objects.filter(
            patient__clinic=membership.clinic, status=PlanStatus.ACTIVE, review_date__lte=horizon
        )
        .filter(models.Q(author=membership.user) | models.Q(patient__primary_physician=membership.user))
        .select_related("patient")
        .order_by("review_date")
    )


def team_candidates(clinic: Clinic) -> models.QuerySet:
    """Active staff of the clinic who can join a care team (clinicians)."""
    from clinics.roles import CLINICIANS

    return (
        get_user_model()
        .objects.filter(memberships__clinic=clinic, memberships__is_active=True, memberships__role__in=CLINICIANS)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


# --- Versions: what changed, by whom -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    at: datetime
    user: Any
    what: str  # the record's kind: plan, goal, intervention, care team member
    label: str
    action: str  # created, changed, deleted
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
_SKIP = {"id", "public_id", "created_at", "updated_at", "added_at", "plan", "patient", "history_id"}


def _display(model: type[models.Model], name: str, value: Any) -> str:
    try:
        f = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a history column without a model field
        return str(value)
    choices = dict(getattr(f, "flatchoices", None) or [])
    if value in (None, ""):
        return "—"
    return str(choices.get(value, value))


def _detail_display(f: Any, value: Any) -> str:
    """A value of an intervention's details as its form shows it: choice labels, lists joined."""
    if value in (None, "", []):
        return "—"
    choices = {str(k): str(v) for k, v in getattr(f, "choices", None) or []}
    values = value if isinstance(value, list) else [value]
    return ", ".join(choices.get(str(v), str(v)) for v in values)


def _diff(model: type[models.Model], old: Any, new: Any) -> list[tuple[str, str, str]]:
    changed: list[tuple[str, str, str]] = []
    delta = new.diff_against(old)
    for c in delta.changes:
        if c.field in _SKIP:
            continue
        if c.field == "details":
            kind = kinds.KINDS.get(getattr(new, "modality", ""))
            fields = kind.form.base_fields if kind else {}
            before, after = c.old or {}, c.new or {}
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    f = fields.get(key)
                    label = str(f.label) if f is not None and f.label else key
                    changed.append((label, _detail_display(f, before.get(key)), _detail_display(f, after.get(key))))
            continue
        label = str(getattr(model._meta.get_field(c.field), "verbose_name", c.field))
        changed.append((label, _display(model, c.field, c.old), _display(model, c.field, c.new)))
    return changed


def plan_history(plan: TreatmentPlan) -> list[Change]:
    """Every version of the plan and its parts, newest first, with the fields that changed.

    Four history queries plus one for the users, whatever the number of versions.
    """
    sources: list[tuple[type[models.Model], models.QuerySet]] = [
        (TreatmentPlan, TreatmentPlan.history.filter(id=plan.pk)),  # type: ignore[attr-defined]
        (Goal, Goal.history.filter(plan_id=plan.pk)),  # type: ignore[attr-defined]
        (Intervention, Intervention.history.filter(plan_id=plan.pk)),  # type: ignore[attr-defined]
        (CareTeamMember, CareTeamMember.history.filter(plan_id=plan.pk)),  # type: ignore[attr-defined]
    ]
    changes: list[Change] = []
    user_ids: set[int] = set()
    rows: list[tuple[type[models.Model], Any, list[tuple[str, str, str]]]] = []
    for model, qs in sources:
        previous: dict[int, Any] = {}
        for record in qs.order_by("history_date", "history_id"):
            fields: list[tuple[str, str, str]] = []
            old = previous.get(record.id)
            if record.history_type == "~" and old is not None:
                fields = _diff(model, old, record)
                if not fields:
                    previous[record.id] = record
                    continue
            previous[record.id] = record
            if record.history_user_id:
                user_ids.add(record.history_user_id)
            if model is CareTeamMember:
                user_ids.add(record.user_id)
            rows.append((model, record, fields))
    users = get_user_model().objects.in_bulk(user_ids)
    for model, record, fields in rows:
        if model is Intervention:
            label = str(Modality(record.modality).label) if record.modality in Modality.values else record.modality
        elif model is Goal:
            label = record.get_kind_display()
        elif model is CareTeamMember:
            member = users.get(record.user_id)
            label = (member.get_full_name() or member.get_username()) if member else ""
        else:
            label = record.title
        changes.append(
            Change(
                at=record.history_date,
                user=users.get(record.history_user_id),
                what=str(model._meta.verbose_name),
                label=label,
                action=_ACTIONS.get(record.history_type, record.history_type),
                fields=fields,
            )
        )
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


def interventions_to_book(clinic: Clinic) -> models.QuerySet[Intervention]:
    """Planned, bookable interventions of the clinic's active plans, the soonest first."""
    bookable = [modality for modality, kind in kinds.KINDS.items() if kind.bookable]
    return (
        Intervention.objects.filter(
            plan__patient__clinic=clinic,
            plan__status=PlanStatus.ACTIVE,
            status=InterventionStatus.PLANNED,
            modality__in=bookable,
        )
        .select_related("plan__patient")
        .order_by(models.F("start_date").asc(nulls_last=True), "id")
    )
