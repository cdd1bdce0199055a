"""Reads of patients and their records, scoped to one clinic and shaped for the pages that use them.

Every reader here runs a fixed number of queries whatever the number of rows or edits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.functions import Coalesce

from clinics.models import Clinic
from clinics.roles import CLINICIANS, Role

from .models import Diagnosis, Evaluation, Patient, PriorSurgery
from .text import fold


def patients_of(clinic: Clinic) -> models.QuerySet[Patient]:
    return Patient.objects.filter(clinic=clinic).select_related("primary_physician")


def search_patients(
    clinic: Clinic,
    *,
    text: str = "",
    date_of_birth: date | None = None,
    status: str = "",
    physician: Any = None,
    order_by: tuple[str, ...] = ("search_name", "id"),
) -> models.QuerySet[Patient]:
    """Patients of ``clinic`` matching every given term, with their number of prior surgeries.

    ``text`` matches every word of the name (case- and accent-insensitive, any order) or the
    whole MRN.
    """
    # A correlated subquery, not a JOIN with GROUP BY: the database counts surgeries only for the
    # rows of the page (and the paginator's COUNT leaves it out), so a page costs the same at
    # 100 patients as at 10,000 (bench/pages.py).
    surgeries = (
        PriorSurgery.objects.filter(patient=models.OuterRef("pk"))
        .order_by()
        .values("patient")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    qs = patients_of(clinic).annotate(
        surgery_count=Coalesce(models.Subquery(surgeries, output_field=models.IntegerField()), 0)
    )
    words = fold(text).split()
    if words:
        by_name = models.Q()
        for word in words:
            by_name &= models.Q(search_name__contains=word)
        qs = qs.filter(by_name | models.Q(mrn__iexact=text.strip()))
    if date_of_birth:
        qs = qs.filter(date_of_birth=date_of_birth)
    if status:
        qs = qs.filter(status=status)
    if physician is not None:
        qs = qs.filter(primary_physician=physician)
    return qs.order_by(*order_by)


def physicians_of(clinic: Clinic) -> models.QuerySet:
    return (
        get_user_model()
        .objects.filter(memberships__clinic=clinic, memberships__role=Role.PHYSICIAN, memberships__is_active=True)
        .order_by("last_name", "first_name")
    )


def clinicians_of(clinic: Clinic) -> models.QuerySet:
    """Staff who may order or review an evaluation."""
    return (
        get_user_model()
        .objects.filter(memberships__clinic=clinic, memberships__role__in=list(CLINICIANS), memberships__is_active=True)
        .order_by("last_name", "first_name")
        .distinct()
    )


def surgeries_of(patient: Patient) -> list[PriorSurgery]:
    return list(PriorSurgery.objects.filter(patient=patient).order_by("-sort_date", "-id"))


def evaluations_of(patient: Patient) -> list[Evaluation]:
    return list(
        Evaluation.objects.filter(patient=patient)
        .select_related("ordering_clinician", "reviewing_clinician")
        .prefetch_related("attachments")
        .order_by("-performed_on", "-id")
    )


def diagnoses_of(patient: Patient) -> list[Diagnosis]:
    return list(Diagnosis.objects.filter(patient=patient).order_by("-is_primary", "resolved_on", "code"))


# --- Edit history (django-simple-history) --------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    action: str  # "created", "changed", "deleted"
    changes: list[Change] = field(default_factory=list)


_NOT_SHOWN = {"id", "public_id", "patient", "evaluation", "created_at", "updated_at", "sort_date", "kind"}


def _show(model_field: Any, value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    choices = dict(model_field.flatchoices) if model_field.choices else {}
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)[:120]
    if isinstance(value, dict):
        return "…"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(choices.get(value, value))[:120]


def history_of(model: type[models.Model], ids: list[int]) -> dict[int, list[HistoryEntry]]:
    """The edit history of the rows ``ids`` of ``model``, newest first, in one query.

    Each entry says who did what and when, and for a change which fields went from what to what.
    Related rows (users) are shown by name only for who made the change, never re-queried.
    """
    if not ids:
        return {}
    history_model = model.history.model  # type: ignore[attr-defined]
    tracked = [f for f in history_model.tracked_fields if f.name not in _NOT_SHOWN]
    rows = (
        history_model.objects.filter(id__in=ids)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    by_id: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_id[row.id].append(row)
    result: dict[int, list[HistoryEntry]] = {}
    for pk, versions in by_id.items():
        entries = []
        previous = None
        for version in versions:
            user = version.history_user
            who = (user.get_full_name() or user.get_username()) if user else "—"
            action = {"+": "created", "~": "changed", "-": "deleted"}[version.history_type]
            changes: list[Change] = []
            if previous is not None:
                for f in tracked:
                    old, new = getattr(previous, f.attname), getattr(version, f.attname)
                    if old != new:
                        if f.is_relation:
                            changes.append(Change(str(f.verbose_name), "", ""))
                        else:
                            changes.append(Change(str(f.verbose_name), _show(f, old), _show(f, new)))
            if action != "changed" or changes:
                entries.append(HistoryEntry(version.history_date, who, action, changes))
            previous = version
        result[pk] = list(reversed(entries))
    return result
