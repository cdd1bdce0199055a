"""Writes to the patient record. Each is atomic, validated with full_clean, and attributed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from clinics.models import Clinic

from .models import Diagnosis, Evaluation, EvaluationAttachment, Patient, PriorSurgery
from .uploads import inspect_upload, safe_name


def _save(instance: Any, *, by: Any) -> Any:
    instance.full_clean()
    if by is not None:
        instance._history_user = by
    instance.save()
    return instance


def _assign(instance: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


@transaction.atomic
def patient_register(*, clinic: Clinic, by: Any, **fields: Any) -> Patient:
    """Register a new patient at ``clinic``."""
    return _save(Patient(clinic=clinic, **fields), by=by)


@transaction.atomic
def patient_update(*, patient: Patient, by: Any, **fields: Any) -> Patient:
    """Change demographics or contact details of an existing patient."""
    _assign(patient, fields)
    return _save(patient, by=by)


# --- Prior surgeries ---------------------------------------------------------------------------


@transaction.atomic
def surgery_record(*, patient: Patient, by: Any, **fields: Any) -> PriorSurgery:
    """Add a prior spine operation to the patient's history.

    The date may be partial (year, or year and month); a fusion spans two or more adjacent
    levels (see ``PriorSurgery.clean``).
    """
    return _save(PriorSurgery(patient=patient, **fields), by=by)


@transaction.atomic
def surgery_update(*, surgery: PriorSurgery, by: Any, **fields: Any) -> PriorSurgery:
    """Correct or complete a prior surgery; the previous version stays in its history."""
    _assign(surgery, fields)
    return _save(surgery, by=by)


# --- Evaluations --------------------------------------------------------------------------------


def _attach(evaluation: Evaluation, uploads: Iterable[UploadedFile], by: Any) -> None:
    # Check every file before storing any: a refused second file must not leave the first on disk.
    checked = [(upload, inspect_upload(upload)) for upload in uploads]
    for upload, content_type in checked:
        attachment = EvaluationAttachment(
            evaluation=evaluation,
            original_name=safe_name(upload.name or "report"),
            content_type=content_type,
            size=upload.size or 0,
            uploaded_by=by,
        )
        attachment.file = upload  # type: ignore[assignment]
        _save(attachment, by=by)


@transaction.atomic
def evaluation_record(
    *, patient: Patient, by: Any, kind: str, attachments: Iterable[UploadedFile] = (), **fields: Any
) -> Evaluation:
    """Add an evaluation of ``kind`` with its findings (schema in ``patients.findings``) and reports.

    Reports are checked by content (PDF, JPEG, PNG) and size before anything is stored.
    """
    evaluation = _save(Evaluation(patient=patient, kind=kind, **fields), by=by)
    _attach(evaluation, attachments, by)
    return evaluation


@transaction.atomic
def evaluation_update(
    *, evaluation: Evaluation, by: Any, attachments: Iterable[UploadedFile] = (), **fields: Any
) -> Evaluation:
    """Correct an evaluation or attach more reports to it. Its kind does not change."""
    fields.pop("kind", None)
    _assign(evaluation, fields)
    _save(evaluation, by=by)
    _attach(evaluation, attachments, by)
    return evaluation


# --- Diagnoses ----------------------------------------------------------------------------------


def _demote_other_primaries(diagnosis: Diagnosis, by: Any) -> None:
    others = Diagnosis.objects.filter(patient=diagnosis.patient, is_primary=True).exclude(pk=diagnosis.pk)
    for other in others.select_for_update():
        other.is_primary = False
        _save(other, by=by)


@transaction.atomic
def diagnosis_add(*, patient: Patient, by: Any, **fields: Any) -> Diagnosis:
    """Add an ICD-10-CM diagnosis. Marking it primary makes the previous primary a secondary one."""
    diagnosis = Diagnosis(patient=patient, **fields)
    if diagnosis.is_primary:
        _demote_other_primaries(diagnosis, by)
    return _save(diagnosis, by=by)


@transaction.atomic
def diagnosis_update(*, diagnosis: Diagnosis, by: Any, **fields: Any) -> Diagnosis:
    """Correct a diagnosis, mark it primary or resolved."""
    _assign(diagnosis, fields)
    if diagnosis.is_primary:
        _demote_other_primaries(diagnosis, by)
    return _save(diagnosis, by=by)
