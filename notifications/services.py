"""Writes to the outbox: queue, cancel, resend. Sending is in ``dispatch.py``.

Everything the product sends goes through :func:`enqueue`. The message is rendered by the caller
(subject, body, attachments) and stored whole, so what leaves is what was queued, even if the
templates change meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Channel, Message, Status
from .phones import normalize_phone

logger = logging.getLogger(__name__)


class Attachment(TypedDict):
    filename: str
    mimetype: str
    content: str


def owner_ref_for(obj: models.Model) -> str:
    """The ``owner_ref`` of a model instance: ``"app_label.model_name:pk"``."""
    return f"{obj._meta.app_label}.{obj._meta.model_name}:{obj.pk}"


def parse_owner_ref(owner_ref: str) -> tuple[str, str, str]:
    """``"scheduling.appointment:42"`` -> ``("scheduling", "appointment", "42")``."""
    label, _sep, pk = owner_ref.partition(":")
    app_label, _dot, model_name = label.partition(".")
    return app_label, model_name, pk


def _clean_recipient(channel: str, recipient: str) -> str:
    if channel == Channel.EMAIL:
        recipient = recipient.strip()
        validate_email(recipient)
        return recipient
    if channel == Channel.SMS:
        return normalize_phone(recipient)
    raise ValidationError(_("Unknown channel."), code="invalid_channel")


def _clean_attachments(attachments: Iterable[Attachment]) -> list[dict[str, str]]:
    cleaned = []
    for item in attachments:
        if not all(isinstance(item.get(key), str) and item.get(key) for key in ("filename", "mimetype", "content")):
            raise ValidationError(_("An attachment needs a filename, a type and text content."), code="attachment")
        cleaned.append({"filename": item["filename"], "mimetype": item["mimetype"], "content": item["content"]})
    return cleaned


def dispatch_urgent_on_commit(message_id: int) -> None:
    """Send ``message_id`` as soon as the current transaction commits (the beat task is the safety net)."""

    def _send() -> None:
        from .tasks import send_one

        try:
            send_one.delay(message_id)
        except Exception:  # the broker may be down: the dispatcher picks the row up within a minute
            logger.warning("could not enqueue urgent message %s; the dispatcher will send it", message_id)

    transaction.on_commit(_send)


def enqueue(
    *,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    due_at: datetime,
    purpose: str,
    owner_ref: str,
    idempotency_key: str,
    urgent: bool = False,
    attachments: Sequence[Attachment] = (),
    clinic_id: int | None = None,
) -> Message:
    """Queue a message; if ``idempotency_key`` was queued before, return that row unchanged.

    The key names the message's meaning, e.g. ``"appointment:42:reminder:48h:v3"``, so the same
    reminder cannot be queued twice (by a retried request, a double click, two workers). Email
    addresses are validated and phone numbers stored in E.164; a bad one raises ValidationError.
    An urgent message is also handed to a worker as soon as the transaction commits.
    """
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    message = Message(
        channel=channel,
        recipient=_clean_recipient(channel, recipient),
        subject=subject,
        body=body,
        attachments=_clean_attachments(attachments),
        due_at=due_at,
        purpose=purpose,
        owner_ref=owner_ref,
        idempotency_key=idempotency_key,
        urgent=urgent,
        clinic_id=clinic_id,
    )
    message.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # Another transaction queued the same key between our look-up and our insert.
        found = Message.objects.filter(idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return found
    if urgent:
        dispatch_urgent_on_commit(message.pk)
    return message


def cancel(*, owner_ref: str, purpose: str | None = None) -> int:
    """Cancel the owner's messages not yet sent (pending or failed); returns how many.

    A message being sent at this very moment is not stopped here: the owner check at send time is
    what stops it, so owners must change their own state (appointment cancelled) before calling.
    """
    rows = Message.objects.filter(owner_ref=owner_ref, status__in=[Status.PENDING, Status.FAILED])
    if purpose is not None:
        rows = rows.filter(purpose=purpose)
    with transaction.atomic():
        return rows.update(status=Status.CANCELLED, claimed_at=None, updated_at=timezone.now())


def resend(*, message_id: int, due_at: datetime | None = None) -> Message:
    """Queue a finished message (sent, failed, skipped, cancelled) again, with its attempts reset.

    Raises ValidationError if it is still pending or being sent. It goes at once (urgent) unless
    ``due_at`` says when.
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status in (Status.PENDING, Status.SENDING):
            raise ValidationError(_("This message is already waiting to be sent."), code="not_finished")
        message.status = Status.PENDING
        message.attempts = 0
        message.last_error = ""
        message.claimed_at = None
        message.due_at = due_at or timezone.now()
        message.full_clean(validate_unique=False)
        message.save()
        if due_at is None:
            dispatch_urgent_on_commit(message.pk)
    return message


