"""Home-page panels contributed by the apps.

The home page shows what each role needs first (front desk: today and patient search; physician:
my patients; clinic admin: staff and audit). The apps that own those things sit above ``clinics``,
so they register panels here from their ``AppConfig.ready`` instead of ``clinics`` importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from .models import Membership


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    roles: frozenset[str]
    # Returns the panel's context, or None to leave the panel out for this request.
    context: Callable[[HttpRequest, Membership], dict[str, Any] | None]
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register_home_panel(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def panels_for(request: HttpRequest, membership: Membership) -> list[tuple[Panel, dict[str, Any]]]:
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if membership.role not in panel.roles:
            continue
        context = panel.context(request, membership)
        if context is not None:
            shown.append((panel, context))
    return shown
