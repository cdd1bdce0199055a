"""Owner checks: before a message leaves, its owner says whether it is still wanted.

The outbox imports no other app, so the apps register a check per purpose from their
``AppConfig.ready``::

    from notifications.checks import register_check

    def _reminder_still_wanted(message: Message) -> str | None:
        ...  # look the appointment up by message.owner_ref
        return None if wanted else "appointment cancelled"

    register_check("appointment_reminder", _reminder_still_wanted)

A check returns ``None`` to send, or a short reason (no patient data: it is stored on the row) to
skip. A purpose without a check is sent. A check that raises counts as a transient failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Message

Check = Callable[["Message"], "str | None"]

_CHECKS: dict[str, Check] = {}


def register_check(purpose: str, fn: Check) -> None:
    """Register ``fn`` as the check of ``purpose``; registering again replaces it (autoreload-safe)."""
    _CHECKS[purpose] = fn


def unregister_check(purpose: str) -> None:
    _CHECKS.pop(purpose, None)


def check(message: Message) -> str | None:
    """The reason not to send ``message``, or None."""
    fn = _CHECKS.get(message.purpose)
    return fn(message) if fn is not None else None
