from typing import Any

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
