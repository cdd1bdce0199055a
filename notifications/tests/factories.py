from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from notifications import dispatch, services
from notifications.models import Message


def queue_email(key: str, *, due_at: datetime | None = None, **overrides: Any) -> Message:
    """An e-mail whose body names its idempotency key (``key=...``), so a receiver can count it."""
    fields: dict[str, Any] = {
        "channel": "email",
        "recipient": "patient@example.org",
        "subject": "Your appointment",
        "body": f"See you soon.\nkey={key}\n",
        "due_at": due_at or timezone.now(),
        "purpose": "test_message",
        "owner_ref": f"tests.thing:{key}",
        "idempotency_key": key,
        **overrides,
    }
    return services.enqueue(**fields)


def queue_sms(key: str, *, recipient: str = "+14155550123", **overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "channel": "sms",
        "recipient": recipient,
        "subject": "",
        "body": f"Reminder. key={key}",
        "due_at": timezone.now(),
        "purpose": "test_message",
        "owner_ref": f"tests.thing:{key}",
        "idempotency_key": key,
        **overrides,
    }
    return services.enqueue(**fields)


def dispatched(message: Message) -> Message:
    """``message`` as it stands after one run of the dispatcher."""
    dispatch.dispatch_due()
    message.refresh_from_db()
    return message
