"""Reads of patients and their records, scoped to one clinic and shaped for the pages that use them.

Every reader here runs a fixed number of queries whatever the number of rows or edits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from clinics.history import EMPTY, HIDDEN, FieldChange, Version, grouped, history, versions_of
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


# A record entered in error is no longer edited: it is out of the chart, kept for its history.
def surgeries_for_edit() -> models.QuerySet[PriorSurgery]:
    return PriorSurgery.objects.current().select_related("patient")


def evaluations_for_edit() -> models.QuerySet[Evaluation]:
    return Evaluation.objects.current().select_related("patient").prefetch_related("attachments", *_row_tables())


def diagnoses_for_edit() -> models.QuerySet[Diagnosis]:
    return Diagnosis.objects.current().select_related("patient")


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

    ``text`` matches every word of the name (case- and accent-insensitive, any order, "Family,
    Given" too) or part of the MRN.
    """
    # A correlated subquery, not a JOIN with GROUP BY: the database counts surgeries only for the
    # rows of the page (and the paginator's COUNT leaves it out), so a page costs the same at
    # 100 patients as at 10,000 (bench/pages.py).
    surgeries = (
        PriorSurgery.objects.current()
        .filter(patient=models.OuterRef("pk"))
        .order_by()
        .values("patient")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    qs = patients_of(clinic).annotate(
        surgery_count=Coalesce(models.Subquery(surgeries, output_field=models.IntegerField()), 0)
    )
    # "Hughes, Margaret" as the list shows names: the comma is not part of a word.
    words = fold(text).replace(",", " ").split()
    if words:
        by_name = models.Q()
        for word in words:
            by_name &= models.Q(search_name__contains=word)
        qs = qs.filter(by_name | models.Q(mrn__icontains=text.strip()))
    if date_of_birth:
        qs = qs.filter(date_of_birth=date_of_birth)
    if status:
        qs = qs.filter(status=status)
    if physician is not None:
        qs = qs.filter(primary_physician=physician)
    return qs.order_by(*order_by)


def _similar_names(given: str, family: str, other: Patient) -> bool:
    """Folded names that are likely the same person: the same family name, the same given initial
    and a close family name (a typo), or given and family names swapped."""
    from difflib import SequenceMatcher

    given, family = fold(given), fold(family)
    other_given, other_family = fold(other.given_name), fold(other.family_name)
    if not family or not other_family:
        return False
    if family == other_family:
        return True
    if (given, family) == (other_family, other_given):
        return True
    same_initial = bool(given) and bool(other_given) and given[0] == other_given[0]
    return same_initial and SequenceMatcher(None, family, other_family).ratio() >= 0.8


MAX_DUPLICATES_SHOWN = 10


def possible_duplicates(
    clinic: Clinic,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date | None,
    email: str = "",
    mobile_phone: str = "",
) -> list[Patient]:
    """Patients of ``clinic`` who may be the person being registered, in one query.

    The same date of birth and a similar name (``_similar_names``), or the same mobile number or
    email address.
    """
    match = models.Q(date_of_birth=date_of_birth) if date_of_birth else models.Q(pk__in=[])
    if email:
        match |= models.Q(email__iexact=email)
    if mobile_phone:
        match |= models.Q(mobile_phone=mobile_phone)
    candidates = Patient.objects.filter(clinic=clinic).filter(match).order_by("search_name", "id")[:200]
    found = []
    for p in candidates:
        same_contact = (email and p.email.lower() == email.lower()) or (
            mobile_phone and str(p.mobile_phone) == mobile_phone
        )
        if same_contact or (p.date_of_birth == date_of_birth and _similar_names(given_name, family_name, p)):
            found.append(p)
    return found[:MAX_DUPLICATES_SHOWN]


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
    return list(PriorSurgery.objects.current().filter(patient=patient).order_by("-sort_date", "-id"))


def _row_tables() -> list[str]:
    """The child tables of repeated findings, prefetched with every evaluation (a query each)."""
    return [table.related_name for table in registry.row_tables()]


def evaluations_of(patient: Patient, *, limit: int | None = None) -> list[Evaluation]:
    """The patient's evaluations, newest first; only the newest ``limit`` when given."""
    qs = (
        Evaluation.objects.current()
        .filter(patient=patient)
        .select_related("ordering_clinician", "reviewing_clinician")
        .prefetch_related("attachments", *_row_tables())
        .order_by("-performed_on", "-id")
    )
    return list(qs[:limit] if limit is not None else qs)


def findings_lines(evaluation: Evaluation) -> list[str]:
    """The findings of an evaluation (its JSON part and its rows) as short lines of text."""
    return registry.get(evaluation.kind).summary(evaluation)


def diagnoses_of(patient: Patient) -> list[Diagnosis]:
    return list(Diagnosis.objects.current().filter(patient=patient).order_by("-is_primary", "resolved_on", "code"))


class ErrorRow(NamedTuple):
    kind: str
    record: Any
    history: list[Version]


def entered_in_error_of(patient: Patient, *, with_history: bool = True) -> list[ErrorRow]:
    """The patient's records marked entered in error, newest mark first, with their history
    (left empty when ``with_history`` is false: the chart links to the history page instead).

    A query per table of records, and one per table's history when it has such records.
    """
    rows: list[ErrorRow] = []
    for model in (Diagnosis, PriorSurgery, Evaluation):
        records = list(model.objects.entered_in_error().filter(patient=patient).select_related("entered_in_error_by"))
        history = history_of(model, [r.pk for r in records]) if with_history else {}
        rows += [ErrorRow(str(model._meta.verbose_name), r, history.get(r.pk, [])) for r in records]
    return sorted(rows, key=lambda row: row.record.entered_in_error_at, reverse=True)


# --- Rows of the chart's sections: the record with its edit history -------------------------------


class SurgeryRow(NamedTuple):
    surgery: PriorSurgery
    history: list[Version]


class EvaluationRow(NamedTuple):
    evaluation: Evaluation
    lines: list[str]
    history: list[Version]


class DiagnosisRow(NamedTuple):
    diagnosis: Diagnosis
    history: list[Version]


def surgery_rows(surgeries: list[PriorSurgery]) -> list[SurgeryRow]:
    history = history_of(PriorSurgery, [s.pk for s in surgeries])
    return [SurgeryRow(s, history.get(s.pk, [])) for s in surgeries]


def evaluation_rows(evaluations: list[Evaluation]) -> list[EvaluationRow]:
    history = evaluation_history_of(evaluations)
    return [EvaluationRow(e, findings_lines(e), history.get(e.pk, [])) for e in evaluations]


def diagnosis_rows(diagnoses: list[Diagnosis]) -> list[DiagnosisRow]:
    history = history_of(Diagnosis, [d.pk for d in diagnoses])
    return [DiagnosisRow(d, history.get(d.pk, [])) for d in diagnoses]


# --- Edit history (django-simple-history, read through ``clinics.history``) ------------------------

# Links and bookkeeping that a person does not need to read in a record's history.
_HIDDEN = HIDDEN | {"patient", "evaluation", "sort_date", "kind"}


def _versions(model: type[models.Model], records: models.QuerySet[Any], **options: Any) -> list[Version]:
    """The versions of ``records``, with the authors fetched in the same query."""
    rows = list(records.select_related("history_user"))
    users = {r.history_user_id: r.history_user for r in rows if r.history_user_id}
    return versions_of(model, rows, hidden=_HIDDEN, users=users, **options)


def history_of(model: type[models.Model], ids: list[int], **options: Any) -> dict[int, list[Version]]:
    """The edit history of the rows ``ids`` of ``model``, newest first per row, in one query.

    Each version says who did what and when, and for a change each field's value before and
    after in words (``clinics.history``).
    """
    if not ids:
        return {}
    return grouped(_versions(model, history(model).filter(id__in=ids), **options))


def _findings_changes(record: Any, old: Any, new: Any) -> list[FieldChange]:
    """Findings in words before and after (their JSON keys mean nothing to a reader)."""
    return [FieldChange(_("findings"), registry.describe(record.kind, old), registry.describe(record.kind, new))]


def _row_versions(model: type[models.Model], evaluation_ids: list[int]) -> list[Version]:
    """Rows of repeated findings added, changed and removed, as changes of their evaluation."""
    label = str(model._meta.verbose_name)
    versions = []
    for v in _versions(model, history(model).filter(evaluation_id__in=evaluation_ids)):
        if v.action == "changed":
            changes = [FieldChange(f"{label}: {c.label}", c.old, c.new) for c in v.changes]
        else:
            shown = str(v.record.instance)
            changes = [FieldChange(label, EMPTY, shown) if v.action == "created" else FieldChange(label, shown, EMPTY)]
        versions.append(replace(v, action="changed", changes=changes))
    return versions


def evaluation_history_of(evaluations: list[Evaluation]) -> dict[int, list[Version]]:
    """The history of evaluations with their findings in words, and of their rows of findings.

    One query for the evaluations' versions and one per table of rows, whatever their number.
    """
    ids = [e.pk for e in evaluations]
    history_by_id = history_of(Evaluation, ids, expand={"findings": _findings_changes})
    for table in registry.row_tables():
        for v in _row_versions(table.model, ids):
            history_by_id.setdefault(v.record.evaluation_id, []).append(v)
    return {pk: sorted(versions, key=lambda v: v.at, reverse=True) for pk, versions in history_by_id.items()}
