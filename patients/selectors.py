"""Reads of patients and their records, scoped to one clinic and shaped for the pages that use them.

Every reader here runs a fixed number of queries whatever the number of rows or edits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.functions import Coalesce

from clinics.models import Clinic
from clinics.roles import CLINICIANS, Role

from .evaluations import registry
from .models import Diagnosis, Evaluation, EvaluationAttachment, Patient, PriorSurgery
from .text import fold


def patients_of(clinic: Clinic) -> models.QuerySet[Patient]:
    return Patient.objects.filter(clinic=clinic).select_related("primary_physician")


# --- What the gate fetches for a page (``clinics.access.get_for`` scopes them to the clinic) ---------


def patients_for_chart() -> models.QuerySet[Patient]:
    return Patient.objects.select_related("clinic", "primary_physician")


def surgeries_for_edit() -> models.QuerySet[PriorSurgery]:
    return PriorSurgery.objects.select_related("patient")


def evaluations_for_edit() -> models.QuerySet[Evaluation]:
    return Evaluation.objects.select_related("patient").prefetch_related("attachments", *_row_tables())


def diagnoses_for_edit() -> models.QuerySet[Diagnosis]:
    return Diagnosis.objects.select_related("patient")


def attachments_for_download() -> models.QuerySet[EvaluationAttachment]:
    return EvaluationAttachment.objects.select_related("evaluation__patient")


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


def _row_tables() -> list[str]:
    """The child tables of repeated findings, prefetched with every evaluation (a query each)."""
    return [table.related_name for table in registry.row_tables()]


def evaluations_of(patient: Patient) -> list[Evaluation]:
    return list(
        Evaluation.objects.filter(patient=patient)
        .select_related("ordering_clinician", "reviewing_clinician")
        .prefetch_related("attachments", *_row_tables())
        .order_by("-performed_on", "-id")
    )


def findings_lines(evaluation: Evaluation) -> list[str]:
    """The findings of an evaluation (its JSON part and its rows) as short lines of text."""
    return registry.get(evaluation.kind).summary(evaluation)


def diagnoses_of(patient: Patient) -> list[Diagnosis]:
    return list(Diagnosis.objects.filter(patient=patient).order_by("-is_primary", "resolved_on", "code"))


# --- Rows of the chart's sections: the record with its edit history -------------------------------


class SurgeryRow(NamedTuple):
    surgery: PriorSurgery
    history: list[HistoryEntry]


class EvaluationRow(NamedTuple):
    evaluation: Evaluation
    lines: list[str]
    history: list[HistoryEntry]


class DiagnosisRow(NamedTuple):
    diagnosis: Diagnosis
    history: list[HistoryEntry]


def surgery_rows(surgeries: list[PriorSurgery]) -> list[SurgeryRow]:
    history = history_of(PriorSurgery, [s.pk for s in surgeries])
    return [SurgeryRow(s, history.get(s.pk, [])) for s in surgeries]


def evaluation_rows(evaluations: list[Evaluation]) -> list[EvaluationRow]:
    history = evaluation_history_of(evaluations)
    return [EvaluationRow(e, findings_lines(e), history.get(e.pk, [])) for e in evaluations]


def diagnosis_rows(diagnoses: list[Diagnosis]) -> list[DiagnosisRow]:
    history = history_of(Diagnosis, [d.pk for d in diagnoses])
    return [DiagnosisRow(d, history.get(d.pk, [])) for d in diagnoses]


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
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(choices.get(value, value))[:120]


def _who(version: Any) -> str:
    user = version.history_user
    return (user.get_full_name() or user.get_username()) if user else "—"


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def history_of(
    model: type[models.Model], ids: list[int], *, words: dict[str, Callable[[Any, Any], str]] | None = None
) -> dict[int, list[HistoryEntry]]:
    """The edit history of the rows ``ids`` of ``model``, newest first, in one query.

    Each entry says who did what and when, and for a change which fields went from what to what.
    Related rows (users) are shown by name only for who made the change, never re-queried.
    ``words`` renders a field's value from a version and the value (JSON findings in words).
    """
    if not ids:
        return {}
    words = words or {}
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
            action = _ACTIONS[version.history_type]
            changes: list[Change] = []
            if previous is not None:
                for f in tracked:
                    old, new = getattr(previous, f.attname), getattr(version, f.attname)
                    if old == new:
                        continue
                    if f.name in words:
                        changes.append(
                            Change(str(f.verbose_name), words[f.name](previous, old), words[f.name](version, new))
                        )
                    elif f.is_relation:
                        changes.append(Change(str(f.verbose_name), "", ""))
                    else:
                        changes.append(Change(str(f.verbose_name), _show(f, old), _show(f, new)))
            if action != "changed" or changes:
                entries.append(HistoryEntry(version.history_date, _who(version), action, changes))
            previous = version
        result[pk] = list(reversed(entries))
    return result


def _row_history(model: type[models.Model], evaluation_ids: list[int]) -> dict[int, list[HistoryEntry]]:
    """Rows of repeated findings added, changed and removed, as changes of their evaluation."""
    history_model = model.history.model  # type: ignore[attr-defined]
    label = str(model._meta.verbose_name)
    versions = (
        history_model.objects.filter(evaluation_id__in=evaluation_ids)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous: dict[int, Any] = {}
    result: dict[int, list[HistoryEntry]] = defaultdict(list)
    for version in versions:
        before = previous.get(version.id)
        old = str(before.instance) if before is not None else "—"
        new = "—" if version.history_type == "-" else str(version.instance)
        if old != new:
            entry = HistoryEntry(version.history_date, _who(version), "changed", [Change(label, old, new)])
            result[version.evaluation_id].append(entry)
        previous[version.id] = version
    return result


def evaluation_history_of(evaluations: list[Evaluation]) -> dict[int, list[HistoryEntry]]:
    """The history of evaluations with their findings in words, and their rows (one query per table)."""
    ids = [e.pk for e in evaluations]
    history = history_of(Evaluation, ids, words={"findings": lambda v, value: registry.describe(v.kind, value)})
    for table in registry.row_tables():
        for pk, entries in _row_history(table.model, ids).items():
            history[pk] = sorted([*history.get(pk, []), *entries], key=lambda e: e.when, reverse=True)
    return history
