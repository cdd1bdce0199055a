"""Writes to the patient record. Each is atomic, validated with full_clean, and attributed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from clinics.models import Clinic

from .models import Patient


def _save(instance: Any, *, by: Any) -> Any:
    instance.full_clean()
    if by is not None:
        instance._history_user = by
    instance.save()
    return instance


@transaction.atomic
def patient_register(*, clinic: Clinic, by: Any, **fields: Any) -> Patient:
    """Register a new patient at ``clinic``."""
    return _save(Patient(clinic=clinic, **fields), by=by)


@transaction.atomic
def patient_update(*, patient: Patient, by: Any, **fields: Any) -> Patient:
    """Change demographics or contact details of an existing patient."""
    for name, value in fields.items():
        setattr(patient, name, value)
    return _save(patient, by=by)
