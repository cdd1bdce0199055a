"""What else happens when a patient's status changes (death, discharge).

The apps above ``patients`` register a listener at start-up (``AppConfig.ready``), e.g. treatments
closes the active plans of a patient who died. Listeners run inside the transaction of the status
change: if one refuses (raises), the status does not change either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Patient


@dataclass(frozen=True)
class StatusChange:
    patient: Patient
    old_status: str
    new_status: str
    on: date
    by: Any


StatusListener = Callable[[StatusChange], None]

_listeners: list[StatusListener] = []


def register_status_listener(listener: StatusListener) -> None:
    """Call ``listener(change)`` after every change of a patient's status (registered once)."""
    if listener not in _listeners:
        _listeners.append(listener)


def notify_status_change(change: StatusChange) -> None:
    for listener in list(_listeners):
        listener(change)
