"""Reads for the clinic pages, already scoped to one clinic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

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
    # Why, when the change said so (staff administration does: "Deactivated", "Unlocked the account").
    reason: str = ""


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def audited_models() -> list[type[models.Model]]:
    """Every model with a history table and a path to its clinic: the clinical data we audit."""
    found = []
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if history is not None and hasattr(model, "clinic_field") and not model.__name__.startswith("Historical"):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def _object_label(record: Any, model: type[models.Model], users: dict[Any, Any]) -> str:
    if model is Membership and record.user_id in users:
        return str(users[record.user_id].get_username())
    return str(getattr(record, "public_id", record.pk))


def audit_trail_of(clinic: Clinic, *, model_label: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The latest changes to the clinic's clinical records, newest first, across audited models."""
    rows: list[tuple[Any, type[models.Model]]] = []
    for model in audited_models():
        if model_label and model._meta.label != model_label:
            continue
        history_qs = model.history.filter(**{model.clinic_field: clinic}).order_by("-history_date")[:limit]  # type: ignore[attr-defined]
        rows.extend((record, model) for record in history_qs)
    rows.sort(key=lambda pair: pair[0].history_date, reverse=True)
    rows = rows[:limit]
    user_ids = {record.history_user_id for record, _ in rows if record.history_user_id}
    # A membership's row is labelled with its person's username rather than an id.
    user_ids |= {record.user_id for record, model in rows if model is Membership}
    users = get_user_model().objects.in_bulk(user_ids)
    entries = []
    for record, model in rows:
        entries.append(
            AuditEntry(
                at=record.history_date,
                user=users.get(record.history_user_id),
                action=_ACTIONS.get(record.history_type, record.history_type),
                model_label=str(model._meta.verbose_name),
                object_label=_object_label(record, model, users),
                reason=getattr(record, "history_change_reason", None) or "",
            )
        )
    return entries
