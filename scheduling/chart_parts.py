"""What scheduling adds to the chart (a section with a Book button, timeline entries) and to the
home page (the worklist, today's arrivals, a clinician's day). Registered from ``apps.py``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from clinics.access import active_membership
from clinics.models import Membership
from clinics.pages import register_page_names
from clinics.panels import Panel, register_home_panel
from clinics.roles import Need, Role
from patients import chart
from patients.chart import Section, TimelineEntry, memo, register_section, register_timeline

from . import reminders, selectors

PANEL_ROWS = 10
PAST_ON_CHART = 10  # the section's recent appointments


def _appointments(patient: Any, request: HttpRequest) -> list[Any]:
    """Every upcoming appointment and the newest past ones: enough for the section (10 past) and
    the chart's timeline; the history page (``rows_limit`` None) gets them all."""
    limit = chart.rows_limit(request)
    past_limit = None if limit is None else max(limit, PAST_ON_CHART)
    return memo(
        request, f"scheduling.appointments:{patient.pk}", lambda: selectors.patient_appointments(patient, past_limit=past_limit)
    )


def load_section(patient: Any, request: HttpRequest) -> dict[str, Any]:
    membership = active_membership(request)
    now = timezone.now()
    appointments = _appointments(patient, request)
    return {
        "upcoming": sorted((a for a in appointments if a.ends_at >= now), key=lambda a: a.starts_at),
        "past": [a for a in appointments if a.ends_at < now][:PAST_ON_CHART],
        "follow_ups": selectors.patient_open_follow_ups(patient),
        "can_book": membership.can(Need.BOOK),
        "patient": patient,
        "tz": membership.clinic.tz,
    }


def timeline(patient: Any, request: HttpRequest) -> list[TimelineEntry]:
    tz = active_membership(request).clinic.tz
    # One reverse() for all the links (each costs as much as the rest of an entry).
    marker = "00000000-0000-0000-0000-000000000000"
    url = reverse("scheduling:appointment", args=[marker])
    entries = []
    for a in _appointments(patient, request):
        local = a.starts_at.astimezone(tz)
        who = a.provider.get_full_name() or a.provider.get_username()
        entries.append(
            TimelineEntry(
                when=local.date(),
                kind="appointment",
                title=_("%(type)s with %(who)s") % {"type": a.appointment_type.name, "who": who},
                detail=f"{local:%H:%M} · {a.get_status_display()}",
                url=url.replace(marker, str(a.public_id)),
                sort_key=(local.time().isoformat(),),
            )
        )
    return entries


def _worklist_panel(request: HttpRequest, membership: Membership) -> dict[str, Any] | None:
    reminders.sync_failed_reminders(membership.clinic)
    qs = selectors.worklist(membership.clinic)
    return {"items": list(qs[:PANEL_ROWS]), "total": qs.count(), "today": timezone.localdate()}


def _arrivals_panel(request: HttpRequest, membership: Membership) -> dict[str, Any] | None:
    clinic = membership.clinic
    day = timezone.localtime(timezone.now(), clinic.tz).date()
    return {"appointments": selectors.arrivals(clinic, day), "tz": clinic.tz, "day": day}


def _my_day_panel(request: HttpRequest, membership: Membership) -> dict[str, Any] | None:
    clinic = membership.clinic
    day = timezone.localtime(timezone.now(), clinic.tz).date()
    return {"appointments": selectors.provider_day(clinic, membership.user, day), "tz": clinic.tz, "day": day}


# What the access log calls this app's pages (clinics.pages).
PAGE_NAMES = {
    "scheduling:appointment": _l("Appointment"),
    "scheduling:book_follow_up": _l("Book a follow-up"),
    "scheduling:book_patient": _l("Book an appointment"),
    "scheduling:reschedule": _l("Reschedule"),
}


def register() -> None:
    register_page_names(PAGE_NAMES)
    register_section(
        Section(
            key="appointments",
            title=_l("Appointments"),
            template="scheduling/chart_section.html",
            load=load_section,
            need=Need.VIEW_PATIENT,
            order=44,
        )
    )
    register_timeline("scheduling", timeline)
    # The worklist replaced treatments' read-only "To book" panel.
    for key, roles, context, order in (
        ("worklist", {Role.FRONT_DESK, Role.NURSE}, _worklist_panel, 3),
        ("arrivals", {Role.FRONT_DESK}, _arrivals_panel, 4),
        ("my_day", {Role.PHYSICIAN, Role.THERAPIST, Role.PSYCHOLOGIST, Role.NURSE}, _my_day_panel, 2),
    ):
        register_home_panel(
            Panel(key=key, template=f"scheduling/panel_{key}.html", roles=frozenset(roles), context=context, order=order)
        )
