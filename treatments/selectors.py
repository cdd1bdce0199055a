"""Reads of treatment plans, already scoped and shaped so a page's query count stays fixed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from clinics.history import HIDDEN, FieldChange, Version, authors_of, history, person, versions_of
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
    fields: list[FieldChange] = field(default_factory=list)  # (field, old, new) in words


# The plan's own link and its parts' links to it are not news in the plan's history.
_HIDDEN = HIDDEN | {"plan", "patient"}


def _details_changes(record: Any, old: Any, new: Any) -> list[FieldChange]:
    """An intervention's details, field by field, as its form labels and shows them."""
    return kinds.details_changes(record.modality, old or {}, new or {})


def plan_history(plan: TreatmentPlan) -> list[Change]:
    """Every version of the plan and its parts, newest first, with the fields that changed.

    Four history queries plus one for the users (and one per changed kind of related row),
    whatever the number of versions.
    """
    sources: list[tuple[type[models.Model], list[Any]]] = [
        (TreatmentPlan, list(history(TreatmentPlan).filter(id=plan.pk))),
        (Goal, list(history(Goal).filter(plan_id=plan.pk))),
        (Intervention, list(history(Intervention).filter(plan_id=plan.pk))),
        (CareTeamMember, list(history(CareTeamMember).filter(plan_id=plan.pk))),
    ]
    members = authors_of((r for _m, records in sources for r in records), also=(r.user_id for r in sources[-1][1]))
    found: list[tuple[type[models.Model], Version]] = []
    for model, records in sources:
        found.extend(
            (model, v)
            for v in versions_of(model, records, hidden=_HIDDEN, expand={"details": _details_changes}, users=members)
        )
    changes = [
        Change(
            at=v.at,
            user=v.user,
            what=str(model._meta.verbose_name),
            label=_label(model, v.record, members),
            action=v.action,
            fields=v.changes,
        )
        for model, v in found
    ]
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


def _label(model: type[models.Model], record: Any, members: dict[Any, Any]) -> str:
    if model is Intervention:
        return str(Modality(record.modality).label) if record.modality in Modality.values else record.modality
    if model is Goal:
        return str(record.get_kind_display())
    if model is CareTeamMember:
        return person(members.get(record.user_id)) if record.user_id in members else ""
    return str(record.title)


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
