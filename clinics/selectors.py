"""Reads for the clinic pages, already scoped to one clinic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import models

from .history import history, versions_of
from .models import AccessLog, Clinic, Membership


def staff_of(clinic: Clinic) -> models.QuerySet[Membership]:
    return Membership.objects.filter(clinic=clinic).select_related("user").order_by("role", "user__last_name")


def access_log_of(clinic: Clinic) -> models.QuerySet[AccessLog]:
    return AccessLog.objects.filter(clinic=clinic).select_related("user").order_by("-at")


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    user: Any
    action: str
    model_label: str
    object_label: str
    # Which fields changed, by label only: a clinic admin audits clinical records without reading them.
    fields: list[str] = field(default_factory=list)


# The attribute naming a patient-bound model's path to its clinic (see clinics.access).
CLINIC_FIELD = "clinic_field"


def audited_models() -> list[type[models.Model]]:
    """Every model with a history table and a path to its clinic: the clinical data we audit."""
    found = []
    for model in apps.get_models():
        if hasattr(model._meta, "simple_history_manager_attribute") and hasattr(model, CLINIC_FIELD):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def audit_trail_of(clinic: Clinic, *, model_label: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The latest changes to the clinic's clinical records, newest first, with what changed.

    Per audited model: one query for the latest versions, one for the earlier versions of the
    same records (to diff against), and the lookups of ``clinics.history``.
    """
    entries: list[AuditEntry] = []
    for model in audited_models():
        if model_label and model._meta.label != model_label:
            continue
        clinic_field = str(getattr(model, CLINIC_FIELD))
        latest = list(history(model).filter(**{clinic_field: clinic}).order_by("-history_date")[:limit])
        if not latest:
            continue
        wanted = {record.history_id for record in latest}
        ids = {record.id for record in latest}
        for version in versions_of(model, history(model).filter(id__in=ids)):
            if version.record.history_id in wanted:
                entries.append(
                    AuditEntry(
                        at=version.at,
                        user=version.user,
                        action=version.action,
                        model_label=str(model._meta.verbose_name),
                        object_label=str(getattr(version.record, "public_id", version.record.pk)),
                        fields=[change.label for change in version.changes],
                    )
                )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
