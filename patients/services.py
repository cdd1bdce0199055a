"""Writes to the patient record. Each is atomic, validated with full_clean, and attributed.

Parameters are typed and keyword-only: a service accepts exactly the fields a person may set,
so a record cannot be moved to another clinic (``clinic`` is set once, at registration) and an
evaluation cannot change its kind. Update services leave a field as it is unless it is passed
(``KEEP``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Clinic, Membership
from clinics.recording import delete_record, save_record
from clinics.roles import Need

from .choices import Channel, Language, PatientStatus, Sex, SmokingStatus, WorkStatus
from .evaluations import registry
from .evaluations.registry import FindingsSchema
from .lifecycle import StatusChange, notify_status_change
from .models import Diagnosis, Evaluation, EvaluationAttachment, Patient, PatientNumbering, PriorSurgery
from .uploads import inspect_upload, safe_name


class Keep(enum.Enum):
    """The default of an update service's parameters: leave the field as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


def _apply(instance: models.Model, changes: Mapping[str, object]) -> None:
    for name, value in changes.items():
        if value is not KEEP:
            setattr(instance, name, value)


def _may(by: Any, clinic_id: int, need: Need) -> bool:
    """Whether ``by`` is an active member of the clinic whose role has ``need`` (clinics.roles)."""
    if by is None or not getattr(by, "is_authenticated", False):
        return False
    membership = Membership.objects.filter(user=by, clinic_id=clinic_id, is_active=True).first()
    return membership is not None and membership.can(need)


# --- Patients -----------------------------------------------------------------------------------


def _refuse_risk_factor_change(
    *, clinic_id: int, by: Any, changes: Mapping[str, object], stored: Mapping[str, object]
) -> None:
    """Risk factors are clinical data: only a role with ``EDIT_CLINICAL`` changes them.

    ``changes`` are the risk-factor values passed to a service (``KEEP`` for those left alone),
    ``stored`` what the record holds. A value equal to the stored one is no change, so a caller
    passing every field back does not need the right; a different one from anyone else is
    refused (403), whatever the form showed.
    """
    changed = [name for name, value in changes.items() if value is not KEEP and value != stored[name]]
    if changed and not _may(by, clinic_id, Need.EDIT_CLINICAL):
        raise PermissionDenied("risk factors are changed by clinicians only")


def _risk_factors(given: Mapping[str, object]) -> dict[str, object]:
    return {name: given[name] for name in Patient.RISK_FACTOR_FIELDS}


@transaction.atomic
def patient_register(
    *,
    clinic: Clinic,
    by: Any,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    mrn: str = "",
    sex: str = Sex.UNKNOWN,
    email: str = "",
    mobile_phone: str = "",
    preferred_channel: str = Channel.NONE,
    consent_email: bool = False,
    consent_sms: bool = False,
    preferred_language: str = Language.ENGLISH,
    primary_physician: Any = None,
    status: str = PatientStatus.ACTIVE,
    status_date: date | None = None,
    referral_source: str = "",
    smoking_status: str = SmokingStatus.UNKNOWN,
    height_cm: Decimal | None = None,
    weight_kg: Decimal | None = None,
    work_status: str = WorkStatus.UNKNOWN,
    workers_comp_claim: bool = False,
    opioid_use_at_intake: bool = False,
    history_of_depression: bool = False,
    history_of_anxiety: bool = False,
) -> Patient:
    """Register a new patient at ``clinic``; the clinic of a patient never changes afterwards.

    An empty ``mrn`` gets the clinic's next number (``next_mrn``). Risk factors other than the
    defaults need a clinician (``EDIT_CLINICAL``).
    """
    given = dict(locals())  # the parameters as passed: the signature is the one list of fields
    defaults = Patient()
    _refuse_risk_factor_change(
        clinic_id=clinic.pk,
        by=by,
        changes=_risk_factors(given),
        stored={name: getattr(defaults, name) for name in Patient.RISK_FACTOR_FIELDS},
    )
    patient = Patient(**{name: value for name, value in given.items() if name != "by"})
    patient.mrn = (mrn or "").strip() or next_mrn(clinic=clinic)
    patient.status_date = status_date or timezone.localdate()
    return save_record(patient, by=by)


@transaction.atomic
def next_mrn(*, clinic: Clinic) -> str:
    """The clinic's next medical record number, unique in the clinic, under a row lock.

    The clinic's numbering row is locked (SELECT ... FOR UPDATE) until the registering
    transaction ends, so two desks registering at once get two numbers. A number somebody typed
    in by hand is skipped.
    """
    PatientNumbering.objects.get_or_create(clinic=clinic)
    numbering = PatientNumbering.objects.select_for_update().get(clinic=clinic)
    taken = Patient.objects.filter(clinic=clinic)
    number = numbering.last_number + 1
    while taken.filter(mrn=numbering.format(number)).exists():
        number += 1
    numbering.last_number = number
    numbering.save(update_fields=["last_number"])
    return numbering.format(number)


@transaction.atomic
def patient_update(
    *,
    patient: Patient,
    by: Any,
    given_name: str | Keep = KEEP,
    family_name: str | Keep = KEEP,
    mrn: str | Keep = KEEP,
    date_of_birth: date | Keep = KEEP,
    sex: str | Keep = KEEP,
    email: str | Keep = KEEP,
    mobile_phone: str | Keep = KEEP,
    preferred_channel: str | Keep = KEEP,
    consent_email: bool | Keep = KEEP,
    consent_sms: bool | Keep = KEEP,
    preferred_language: str | Keep = KEEP,
    primary_physician: Any = KEEP,
    status: str | Keep = KEEP,
    status_date: date | Keep = KEEP,
    referral_source: str | Keep = KEEP,
    smoking_status: str | Keep = KEEP,
    height_cm: Decimal | None | Keep = KEEP,
    weight_kg: Decimal | None | Keep = KEEP,
    work_status: str | Keep = KEEP,
    workers_comp_claim: bool | Keep = KEEP,
    opioid_use_at_intake: bool | Keep = KEEP,
    history_of_depression: bool | Keep = KEEP,
    history_of_anxiety: bool | Keep = KEEP,
) -> Patient:
    """Change demographics, contact details or risk factors of a patient (never the clinic).

    A change of status has its consequences (``patient_change_status``). A change of a risk
    factor needs a clinician (``EDIT_CLINICAL``): anyone else gets PermissionDenied.
    """
    given = dict(locals())  # the parameters as passed: the signature is the one list of fields
    # What is stored, not what ``patient`` holds: a ModelForm has already put its values on the
    # instance, so the instance's status is the new one and its risk factors the posted ones.
    stored = Patient.objects.filter(pk=patient.pk).values("status", *Patient.RISK_FACTOR_FIELDS).get()
    _refuse_risk_factor_change(clinic_id=patient.clinic_id, by=by, changes=_risk_factors(given), stored=stored)
    old_status = stored["status"]
    _apply(patient, {name: value for name, value in given.items() if name not in ("patient", "by")})
    save_record(patient, by=by)
    if patient.status != old_status:
        notify_status_change(
            StatusChange(
                patient=patient, old_status=old_status, new_status=patient.status, on=patient.status_date, by=by
            )
        )
    return patient


@transaction.atomic
def patient_change_status(*, patient: Patient, status: str, by: Any, on: date | None = None) -> Patient:
    """Set the patient's status (active, discharged, deceased) from ``on`` (default today).

    Nothing is deleted. A discharged or deceased patient leaves the work lists (they show active
    patients only); the listeners of ``patients.lifecycle`` do the rest in this same transaction
    (treatments closes the active plans of a patient who died).
    """
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"status_date": [_("The status date cannot be in the future.")]})
    return patient_update(patient=patient, by=by, status=status, status_date=day)


# --- Prior surgeries ---------------------------------------------------------------------------


@transaction.atomic
def surgery_record(
    *,
    patient: Patient,
    by: Any,
    date_year: int,
    procedure: str,
    date_month: int | None = None,
    date_day: int | None = None,
    fusion_approach: str = "",
    levels: Sequence[str] = (),
    hardware: Sequence[str] = (),
    surgeon: str = "",
    facility: str = "",
    complications: Sequence[str] = (),
    failure_causes: Sequence[str] = (),
    notes: str = "",
) -> PriorSurgery:
    """Add a prior spine operation to the patient's history.

    The date may be partial (year, or year and month); a fusion spans two or more adjacent
    levels (see ``PriorSurgery.clean``).
    """
    surgery = PriorSurgery(
        patient=patient,
        date_year=date_year,
        date_month=date_month,
        date_day=date_day,
        procedure=procedure,
        fusion_approach=fusion_approach,
        levels=list(levels),
        hardware=list(hardware),
        surgeon=surgeon,
        facility=facility,
        complications=list(complications),
        failure_causes=list(failure_causes),
        notes=notes,
        created_by=by,
    )
    return save_record(surgery, by=by)


def _listed(values: Sequence[str] | Keep) -> list[str] | Keep:
    return values if isinstance(values, Keep) else list(values)


@transaction.atomic
def surgery_update(
    *,
    surgery: PriorSurgery,
    by: Any,
    date_year: int | Keep = KEEP,
    date_month: int | None | Keep = KEEP,
    date_day: int | None | Keep = KEEP,
    procedure: str | Keep = KEEP,
    fusion_approach: str | Keep = KEEP,
    levels: Sequence[str] | Keep = KEEP,
    hardware: Sequence[str] | Keep = KEEP,
    surgeon: str | Keep = KEEP,
    facility: str | Keep = KEEP,
    complications: Sequence[str] | Keep = KEEP,
    failure_causes: Sequence[str] | Keep = KEEP,
    notes: str | Keep = KEEP,
) -> PriorSurgery:
    """Correct or complete a prior surgery; the previous version stays in its history."""
    _apply(
        surgery,
        {
            "date_year": date_year,
            "date_month": date_month,
            "date_day": date_day,
            "procedure": procedure,
            "fusion_approach": fusion_approach,
            "levels": _listed(levels),
            "hardware": _listed(hardware),
            "surgeon": surgeon,
            "facility": facility,
            "complications": _listed(complications),
            "failure_causes": _listed(failure_causes),
            "notes": notes,
        },
    )
    return save_record(surgery, by=by)


# --- Evaluations --------------------------------------------------------------------------------


def _attach(evaluation: Evaluation, uploads: Iterable[UploadedFile], by: Any) -> None:
    # Check every file before storing any: a refused second file must not leave the first on disk.
    checked = [(upload, inspect_upload(upload)) for upload in uploads]
    for upload, content_type in checked:
        attachment = EvaluationAttachment(
            evaluation=evaluation,
            file=upload,
            original_name=safe_name(upload.name or "report"),
            content_type=content_type,
            size=upload.size or 0,
            uploaded_by=by,
        )
        save_record(attachment, by=by)


def _findings(findings: Mapping[str, Any] | FindingsSchema | None) -> dict[str, Any]:
    if findings is None:
        return {}
    return findings.dump() if isinstance(findings, FindingsSchema) else dict(findings)


def _replace_rows(evaluation: Evaluation, rows: Sequence[models.Model], by: Any) -> None:
    """Make ``rows`` the repeated findings of ``evaluation``: save them, delete the ones left out."""
    table = registry.get(evaluation.kind).rows
    if table is None:
        if rows:
            raise ValidationError({"findings": [_("This kind of evaluation has no rows of findings.")]})
        return
    for row in rows:
        if not isinstance(row, table.model):
            raise ValidationError({"findings": [_("These rows do not belong to this kind of evaluation.")]})
        if row.pk is not None and getattr(row, "evaluation_id", None) != evaluation.pk:
            raise ValidationError({"findings": [_("These rows belong to another evaluation.")]})
    kept = [row.pk for row in rows if row.pk is not None]
    for old in table.model._default_manager.filter(evaluation=evaluation).exclude(pk__in=kept):
        delete_record(old, by=by)
    for row in rows:
        setattr(row, "evaluation", evaluation)  # noqa: B010 - every row table's link is named so
        save_record(row, by=by)


@transaction.atomic
def evaluation_record(
    *,
    patient: Patient,
    by: Any,
    kind: str,
    performed_on: date,
    findings: Mapping[str, Any] | FindingsSchema | None = None,
    rows: Sequence[models.Model] = (),
    ordering_clinician: Any = None,
    reviewing_clinician: Any = None,
    impression: str = "",
    pain_generators: Sequence[str] = (),
    attachments: Iterable[UploadedFile] = (),
) -> Evaluation:
    """Add an evaluation of ``kind`` with its findings, its rows of repeated findings, and reports.

    ``findings`` follow the schema of the kind (``patients.evaluations``); ``rows`` are unsaved
    ``EmgFinding`` or ``BloodValue`` rows for the kinds that have them. Reports are checked by
    content (PDF, JPEG, PNG) and size before anything is stored.
    """
    evaluation = Evaluation(
        patient=patient,
        kind=kind,
        performed_on=performed_on,
        findings=_findings(findings),
        ordering_clinician=ordering_clinician,
        reviewing_clinician=reviewing_clinician,
        impression=impression,
        pain_generators=list(pain_generators),
        created_by=by,
    )
    save_record(evaluation, by=by)
    _replace_rows(evaluation, rows, by)
    _attach(evaluation, attachments, by)
    return evaluation


@transaction.atomic
def evaluation_update(
    *,
    evaluation: Evaluation,
    by: Any,
    performed_on: date | Keep = KEEP,
    findings: Mapping[str, Any] | FindingsSchema | Keep = KEEP,
    rows: Sequence[models.Model] | Keep = KEEP,
    ordering_clinician: Any = KEEP,
    reviewing_clinician: Any = KEEP,
    impression: str | Keep = KEEP,
    pain_generators: Sequence[str] | Keep = KEEP,
    attachments: Iterable[UploadedFile] = (),
) -> Evaluation:
    """Correct an evaluation, its findings and rows, or attach more reports. Its kind never changes."""
    _apply(
        evaluation,
        {
            "performed_on": performed_on,
            "findings": findings if isinstance(findings, Keep) else _findings(findings),
            "ordering_clinician": ordering_clinician,
            "reviewing_clinician": reviewing_clinician,
            "impression": impression,
            "pain_generators": _listed(pain_generators),
        },
    )
    save_record(evaluation, by=by)
    if not isinstance(rows, Keep):
        _replace_rows(evaluation, rows, by)
    _attach(evaluation, attachments, by)
    return evaluation


# --- Diagnoses ----------------------------------------------------------------------------------


def _require_diagnosis_writer(by: Any, clinic_id: int) -> None:
    if not _may(by, clinic_id, Need.WRITE_DIAGNOSIS):
        raise PermissionDenied("diagnoses are written by physicians only")


def _demote_other_primaries(diagnosis: Diagnosis, by: Any) -> None:
    others = Diagnosis.objects.current().filter(patient=diagnosis.patient, is_primary=True).exclude(pk=diagnosis.pk)
    for other in others.select_for_update():
        other.is_primary = False
        save_record(other, by=by)


@transaction.atomic
def diagnosis_add(
    *,
    patient: Patient,
    by: Any,
    code: str,
    is_primary: bool = False,
    diagnosed_on: date | None = None,
    resolved_on: date | None = None,
    notes: str = "",
) -> Diagnosis:
    """Add an ICD-10-CM diagnosis. Marking it primary makes the previous primary a secondary one.

    Physicians only (``Need.WRITE_DIAGNOSIS``): anyone else gets PermissionDenied.
    """
    _require_diagnosis_writer(by, patient.clinic_id)
    diagnosis = Diagnosis(
        patient=patient,
        code=code,
        is_primary=is_primary,
        diagnosed_on=diagnosed_on or timezone.localdate(),
        resolved_on=resolved_on,
        notes=notes,
        created_by=by,
    )
    if diagnosis.is_primary:
        _demote_other_primaries(diagnosis, by)
    return save_record(diagnosis, by=by)


@transaction.atomic
def diagnosis_update(
    *,
    diagnosis: Diagnosis,
    by: Any,
    code: str | Keep = KEEP,
    is_primary: bool | Keep = KEEP,
    diagnosed_on: date | Keep = KEEP,
    resolved_on: date | None | Keep = KEEP,
    notes: str | Keep = KEEP,
) -> Diagnosis:
    """Correct a diagnosis, mark it primary or resolved. Physicians only (``Need.WRITE_DIAGNOSIS``)."""
    _require_diagnosis_writer(by, diagnosis.patient.clinic_id)
    _apply(
        diagnosis,
        {
            "code": code,
            "is_primary": is_primary,
            "diagnosed_on": diagnosed_on,
            "resolved_on": resolved_on,
            "notes": notes,
        },
    )
    if diagnosis.is_primary:
        _demote_other_primaries(diagnosis, by)
    return save_record(diagnosis, by=by)
