"""Reads for the clinic pages, already scoped to one clinic."""

from __future__ import annotations

import dataclasses
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.apps import apps
from django.db import models

from .access import CLINIC_FIELD, PATIENT_MODEL, clinic_path, patient_path
from .forms_audit import LogFilter
from .history import FieldChange, authors_of, history, versions_of
from .models import AccessLog, Clinic, Membership
from .roles import Need

PAGE_SIZE = 50


def memberships_with_user() -> models.QuerySet[Membership]:
    """Memberships with their user and clinic, for the gate (``access.get_for``)."""
    return Membership.objects.select_related("user", "clinic")


def staff_of(clinic: Clinic) -> models.QuerySet[Membership]:
    return Membership.objects.filter(clinic=clinic).select_related("user").order_by("role", "user__last_name")


# --- Patients, resolved when read (the logs hold public ids only) ---------------------------------


def _fold(text: str) -> str:
    """Lower-case, unaccented: how ``Patient.search_name`` is stored (patients.text.fold)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def patients_matching(clinic: Clinic, text: str) -> models.QuerySet[Any]:
    """The clinic's patients whose MRN is ``text`` or whose name contains it (a subquery, not a list)."""
    patient_model = apps.get_model(PATIENT_MODEL)
    words = _fold(text)
    return patient_model._default_manager.filter(clinic=clinic).filter(
        models.Q(mrn__iexact=text.strip()) | models.Q(search_name__contains=words)
    )


def patients_by_public_id(clinic: Clinic, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, Any]:
    """The clinic's patients among ``ids``, in one query (another clinic's never resolve)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    patient_model = apps.get_model(PATIENT_MODEL)
    rows = patient_model._default_manager.filter(clinic=clinic, public_id__in=wanted).only(
        "public_id", "given_name", "family_name", "mrn"
    )
    return {p.public_id: p for p in rows}


# --- Keyset paging: fast on page 1 and on page 10 000 alike -----------------------------------------


class Cursor(NamedTuple):
    """Where a page ends: (time, source label, id), the order of both logs, newest first."""

    at: datetime
    label: str
    pk: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}|{self.label}|{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """A cursor from a query string, or None for anything malformed (the first page)."""
        try:
            at, label, pk = str(raw or "").split("|")
            when = datetime.fromisoformat(at)
            return cls(when, label, int(pk)) if when.tzinfo is not None else None
        except ValueError:
            return None


@dataclass(frozen=True)
class LogPage:
    entries: list[Any]
    older: str = ""  # the cursor of the page of older lines, "" on the last page
    newer: str = ""  # the cursor of the page of newer lines, "" on the first page


def _beyond(cursor: Cursor, *, label: str, date_field: str, id_field: str, older: bool) -> models.Q:
    """Rows of source ``label`` strictly older (or newer) than ``cursor`` in (time, label, id) order."""
    op = "lt" if older else "gt"
    q = models.Q(**{f"{date_field}__{op}": cursor.at})
    if label == cursor.label:
        q |= models.Q(**{date_field: cursor.at, f"{id_field}__{op}": cursor.pk})
    elif (label < cursor.label) == older:
        q |= models.Q(**{date_field: cursor.at})
    return q


def _keyset(
    sources: list[tuple[str, models.QuerySet[Any]]],
    *,
    date_field: str,
    id_field: str,
    before: Cursor | None,
    after: Cursor | None,
    size: int,
) -> tuple[list[tuple[Cursor, Any]], str, str]:
    """One page over several querysets merged by (time, label, id), newest first; one query per source."""
    older = after is None
    cursor = before if older else after
    sign = "-" if older else ""
    found: list[tuple[Cursor, Any]] = []
    for label, qs in sources:
        if cursor is not None:
            qs = qs.filter(_beyond(cursor, label=label, date_field=date_field, id_field=id_field, older=older))
        for row in qs.order_by(f"{sign}{date_field}", f"{sign}{id_field}")[: size + 1]:
            found.append((Cursor(getattr(row, date_field), label, getattr(row, id_field)), row))
    found.sort(key=lambda item: item[0], reverse=older)
    more = len(found) > size
    found = found[:size]
    if not older:
        found.reverse()
    if not found:
        return [], "", ""
    older_cursor = found[-1][0].encode() if (more if older else True) else ""
    newer_cursor = found[0][0].encode() if ((cursor is not None) if older else more) else ""
    return found, older_cursor, newer_cursor


# --- The access log -----------------------------------------------------------------------------


def access_log_of(clinic: Clinic, filters: LogFilter | None = None) -> models.QuerySet[AccessLog]:
    """The clinic's access log, filtered, newest first (another clinic's lines never)."""
    qs = AccessLog.objects.filter(clinic=clinic).select_related("user")
    if filters is not None:
        if filters.patient:
            qs = qs.filter(patient_public_id__in=patients_matching(clinic, filters.patient).values("public_id"))
        if filters.user_id:
            qs = qs.filter(user_id=filters.user_id)
        if filters.action:
            qs = qs.filter(action=filters.action)
        if filters.since:
            qs = qs.filter(at__gte=filters.since)
        if filters.until:
            qs = qs.filter(at__lt=filters.until)
    return qs.order_by("-at", "-id")


def _with_patients(clinic: Clinic, rows: list[AccessLog]) -> list[AccessLog]:
    found = patients_by_public_id(clinic, (r.patient_public_id for r in rows))
    for row in rows:
        row.patient = found.get(row.patient_public_id) if row.patient_public_id else None
    return rows


def access_log_page(
    clinic: Clinic, filters: LogFilter, *, before: Cursor | None = None, after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> LogPage:  # fmt: skip
    """A page of the access log with each line's patient (name, MRN) resolved: three queries."""
    found, older, newer = _keyset(
        [("", access_log_of(clinic, filters))], date_field="at", id_field="id", before=before, after=after, size=size
    )
    return LogPage(_with_patients(clinic, [row for _c, row in found]), older, newer)


def access_log_rows(clinic: Clinic, filters: LogFilter, *, chunk: int = 500) -> Iterator[AccessLog]:
    """Every line of the filtered log, patients resolved, a chunk at a time (for the CSV export)."""
    batch: list[AccessLog] = []
    for row in access_log_of(clinic, filters).iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) == chunk:
            yield from _with_patients(clinic, batch)
            batch = []
    yield from _with_patients(clinic, batch)


# --- The audit trail ----------------------------------------------------------------------------

# A clinic admin reads the values of administrative records (who the patient is, appointments,
# the worklist, staff); of clinical records, and of the patient's risk factors, only which fields
# changed: least privilege (issue 11) holds in the audit trail too. Clinicians see every value.
ADMINISTRATIVE_MODELS = frozenset(
    {"clinics.Clinic", "clinics.Membership", "patients.Patient", "scheduling.Appointment", "scheduling.FollowUp"}
)
CLINICAL_FIELDS = {
    "patients.Patient": frozenset(
        {
            "smoking_status", "height_cm", "weight_kg", "work_status", "workers_comp_claim",
            "opioid_use_at_intake", "history_of_depression", "history_of_anxiety",
        }
    ),
}  # fmt: skip
WITHHELD = "…"


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    user: Any
    action: str
    model_label: str
    object_label: str
    # Each field's value before and after, as people read it (WITHHELD where the reader may not read it).
    changes: list[FieldChange] = field(default_factory=list)
    # Why, when the change said so (staff administration does: "Deactivated", "Unlocked the account").
    reason: str = ""
    patient_public_id: uuid.UUID | None = None
    patient: Any = None

    @property
    def fields(self) -> list[str]:
        return [change.label for change in self.changes]


AUDIT_ACTIONS = {"created": "+", "changed": "~", "deleted": "-"}


def audited_models() -> list[type[models.Model]]:
    """Every model with a history table and a path to its clinic, and the clinic's own settings."""
    found: list[type[models.Model]] = [Clinic]
    for model in apps.get_models():
        if hasattr(model._meta, "simple_history_manager_attribute") and hasattr(model, CLINIC_FIELD):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def _object_label(record: Any, model: type[models.Model], users: dict[Any, Any]) -> str:
    if model is Clinic:
        return str(record.name)
    if model is Membership and record.user_id in users:
        return str(users[record.user_id].get_username())
    return str(getattr(record, "public_id", record.pk))


_AUDIT_PATIENT = "audit_patient_public_id"


def _history_of(
    model: type[models.Model], clinic: Clinic, filters: LogFilter, patients: models.QuerySet[Any] | None
) -> models.QuerySet[Any] | None:
    """The model's history rows of ``clinic`` that pass ``filters``, or None when none can."""
    scope = {"id": clinic.pk} if model is Clinic else {clinic_path(model): clinic}
    qs = history(model).filter(**scope)
    path = patient_path(model)
    if patients is not None:
        if path is None:
            return None
        qs = qs.filter(**{f"{path}__in" if path else "id__in": patients.values("id")})
    if path:
        qs = qs.annotate(**{_AUDIT_PATIENT: models.F(f"{path}__public_id")})
    if filters.user_id:
        qs = qs.filter(history_user_id=filters.user_id)
    if filters.action:
        qs = qs.filter(history_type=AUDIT_ACTIONS.get(filters.action, "?"))
    if filters.since:
        qs = qs.filter(history_date__gte=filters.since)
    if filters.until:
        qs = qs.filter(history_date__lt=filters.until)
    return qs


def _in_reach(change: FieldChange, withheld_labels: frozenset[str], shown: bool) -> FieldChange:
    if shown and change.label not in withheld_labels:
        return change
    return FieldChange(change.label, WITHHELD, WITHHELD)


# An audit page is filled up to its size by reading on past versions that changed nothing shown
# (``clinics.history.versions_of`` leaves those out), at most this many reads of the trail.
AUDIT_FILL_ROUNDS = 3


def audit_page(
    clinic: Clinic, filters: LogFilter, *, reader: Membership, model_label: str | None = None,
    before: Cursor | None = None, after: Cursor | None = None, size: int = PAGE_SIZE,
) -> LogPage:  # fmt: skip
    """A page of the clinic's audit trail over every audited model, newest first, with what changed.

    Queries: one per audited model for the page's rows, then per model on the page one for the
    versions to diff against plus ``clinics.history``'s lookups of related rows, one for the
    authors and one for the patients: fixed, whatever the number of rows. Where versions on the
    page changed nothing shown, the page reads on (``AUDIT_FILL_ROUNDS`` at most) to fill it;
    paging back to newer lines reads once.
    """
    models_ = {m._meta.label: m for m in audited_models() if not model_label or m._meta.label == model_label}
    patients = patients_matching(clinic, filters.patient) if filters.patient else None
    sources = [
        (label, qs) for label, m in models_.items() if (qs := _history_of(m, clinic, filters, patients)) is not None
    ]
    if after is not None:
        entries, older, newer = _audit_chunk(clinic, reader, models_, sources, before=None, after=after, size=size)
        return LogPage(entries, older, newer)
    kept: list[AuditEntry] = []
    first_newer: str | None = None
    cursor = before
    for _round in range(AUDIT_FILL_ROUNDS):
        entries, older, newer = _audit_chunk(
            clinic, reader, models_, sources, before=cursor, after=None, size=size - len(kept)
        )
        first_newer = newer if first_newer is None else first_newer
        kept += entries
        cursor = Cursor.decode(older)
        if len(kept) >= size or cursor is None:
            break
    return LogPage(kept, older, first_newer or "")


def _audit_chunk(
    clinic: Clinic, reader: Membership, models_: dict[str, Any], sources: list[tuple[str, models.QuerySet[Any]]], *,
    before: Cursor | None, after: Cursor | None, size: int,
) -> tuple[list[AuditEntry], str, str]:  # fmt: skip
    """Up to ``size`` versions of the trail past the cursor, less those that changed nothing
    shown; and the cursors of the pages of older and newer lines."""
    found, older, newer = _keyset(
        sources, date_field="history_date", id_field="history_id", before=before, after=after, size=size
    )
    by_model: dict[str, list[Any]] = {}
    for cursor, row in found:
        by_model.setdefault(cursor.label, []).append(row)
    users = authors_of((row for _c, row in found), also=(r.user_id for r in by_model.get("clinics.Membership", [])))
    clinical = reader.can(Need.VIEW_CLINICAL)
    entries: dict[tuple[str, int], AuditEntry] = {}
    patient_ids: dict[tuple[str, int], uuid.UUID | None] = {}
    for label, rows in by_model.items():
        model = models_[label]
        shown = clinical or label in ADMINISTRATIVE_MODELS
        withheld = frozenset() if clinical else _labels(model, CLINICAL_FIELDS.get(label, frozenset()))
        for row in rows:
            patient_ids[(label, row.history_id)] = (
                row.public_id if label == PATIENT_MODEL else getattr(row, _AUDIT_PATIENT, None)
            )
        wanted = {row.history_id for row in rows}
        latest = max(row.history_date for row in rows)
        earlier = history(model).filter(id__in={row.id for row in rows}, history_date__lte=latest)
        for version in versions_of(model, earlier, users=users):
            key = (label, version.record.history_id)
            if version.record.history_id not in wanted:
                continue
            entries[key] = AuditEntry(
                at=version.at,
                user=version.user,
                action=version.action,
                model_label=str(model._meta.verbose_name),
                object_label=_object_label(version.record, model, users),
                changes=[_in_reach(c, withheld, shown) for c in version.changes],
                reason=getattr(version.record, "history_change_reason", None) or "",
                patient_public_id=patient_ids.get(key),
            )
    resolved = patients_by_public_id(clinic, patient_ids.values())
    page = []
    for cursor, _row in found:
        entry = entries.get((cursor.label, cursor.pk))
        if entry is not None:
            patient = resolved.get(entry.patient_public_id) if entry.patient_public_id else None
            page.append(dataclasses.replace(entry, patient=patient))
    return page, older, newer


def _labels(model: type[models.Model], names: frozenset[str]) -> frozenset[str]:
    return frozenset(str(getattr(model._meta.get_field(n), "verbose_name", n)) for n in names)


def audit_rows(
    clinic: Clinic, filters: LogFilter, *, reader: Membership, model_label: str | None = None, chunk: int = 500
) -> Iterator[AuditEntry]:
    """Every entry of the filtered trail, a page of ``chunk`` at a time (for the CSV export)."""
    cursor: Cursor | None = None
    while True:
        page = audit_page(clinic, filters, reader=reader, model_label=model_label, before=cursor, size=chunk)
        yield from page.entries
        cursor = Cursor.decode(page.older)
        if cursor is None:
            return
