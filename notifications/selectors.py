"""Reads of the outbox shared by the apps that own messages."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Message, Status


def failed_messages(*, clinic_id: int) -> QuerySet[Message]:
    """A clinic's failed messages, most recent first (the front desk's worklist shows them)."""
    return Message.objects.filter(clinic_id=clinic_id, status=Status.FAILED).order_by("-updated_at", "-pk")


def messages_for_owners(*, owner_refs: list[str], purpose: str | None = None) -> QuerySet[Message]:
    """The messages of several owners at once (e.g. each appointment's reminders on a day view)."""
    rows = Message.objects.filter(owner_ref__in=owner_refs)
    if purpose is not None:
        rows = rows.filter(purpose=purpose)
    return rows.order_by("owner_ref", "due_at", "pk")
