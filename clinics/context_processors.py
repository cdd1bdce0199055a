from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .roles import Need


def active_clinic(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    return {
        "active_membership": membership,
        "active_clinic": getattr(request, "clinic", None),
        "user_memberships": getattr(request, "memberships", []),
        "can": {need.value: bool(membership and membership.can(need)) for need in Need},
    }


def session_limits(request: HttpRequest) -> dict[str, Any]:
    """The idle limit, for the page's own countdown (static/js/idle.js) to sign off in time."""
    idle = settings.IDLE_TIMEOUT_SECONDS
    # Warn a minute ahead, or halfway on a very short limit.
    return {"idle_timeout_seconds": idle, "idle_warn_seconds": min(60, idle // 2)}
