"""Home-page panels about patients: search for the front desk, "my patients" for physicians."""

from typing import Any

from django.http import HttpRequest

from clinics.models import Membership
from clinics.panels import Panel, register_home_panel
from clinics.roles import Role

from .models import PatientStatus
from .selectors import patients_of


def _my_patients(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    qs = patients_of(membership.clinic).filter(primary_physician=membership.user, status=PatientStatus.ACTIVE)
    return {"patients": list(qs[:25]), "total": qs.count()}


def _search(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    active = patients_of(membership.clinic).filter(status=PatientStatus.ACTIVE)
    return {"recent": list(active.order_by("-created_at")[:10])}


def register() -> None:
    register_home_panel(
        Panel(
            key="patient_search",
            template="patients/panel_search.html",
            roles=frozenset({Role.FRONT_DESK, Role.NURSE, Role.THERAPIST, Role.PSYCHOLOGIST, Role.CLINIC_ADMIN}),
            context=_search,
            order=20,
        )
    )
    register_home_panel(
        Panel(
            key="my_patients",
            template="patients/panel_my_patients.html",
            roles=frozenset({Role.PHYSICIAN}),
            context=_my_patients,
            order=10,
        )
    )
