"""Reads for the clinic pages, already scoped to one clinic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from .access import CLINIC_FIELD, clinic_path
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
    # Why, when the change said so (staff administration does: "Deactivated", "Unlocked the account").
    reason: str = ""


def audited_models() -> list[type[models.Model]]:
    """Every model with a history table and a path to its clinic: the clinical data we audit."""
    found = []
    for model in apps.get_models():
        if hasattr(model._meta, "simple_history_manager_attribute") and hasattr(model, CLINIC_FIELD):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def _object_label(record: Any, model: type[models.Model], users: dict[Any, Any]) -> str:
    if model is Membership and record.user_id in users:
        return str(users[record.user_id].get_username())
    return str(getattr(record, "public_id", record.pk))


def audit_trail_of(clinic: Clinic, *, model_label: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The latest changes to the clinic's clinical records, newest first, with what changed.

    Per audited model: one query for the latest versions, one for the earlier versions of the
    same records (to diff against), and the lookups of ``clinics.history``.
    """
    entries: list[AuditEntry] = []
    for model in audited_models():
        if model_label and model._meta.label != model_label:
            continue
        clinic_field = clinic_path(model)
        latest = list(history(model).filter(**{clinic_field: clinic}).order_by("-history_date")[:limit])
        if not latest:
            continue
        wanted = {record.history_id for record in latest}
        ids = {record.id for record in latest}
        # A membership's row is labelled with its person's username rather than an id.
        users = get_user_model().objects.in_bulk({r.user_id for r in latest}) if model is Membership else {}
        for version in versions_of(model, history(model).filter(id__in=ids)):
            if version.record.history_id in wanted:
                entries.append(
                    AuditEntry(
                        at=version.at,
                        user=version.user,
                        action=version.action,
                        model_label=str(model._meta.verbose_name),
                        object_label=_object_label(version.record, model, users),
                        fields=[change.label for change in version.changes],
                        reason=getattr(version.record, "history_change_reason", None) or "",
                    )
                )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
