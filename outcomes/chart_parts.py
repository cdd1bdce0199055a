"""What outcomes adds to the chart (the scores over time, drawn as SVG with a table beside it) and
to the home page (the clinicians' outcomes worklist). Registered from ``apps.py``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from clinics.access import active_membership
from clinics.models import Membership
from clinics.pages import register_page_names
from clinics.panels import Panel, register_home_panel
from clinics.roles import CLINICIANS, Need
from patients.chart import Section, register_section

from . import charts, reports, selectors


def chart_context(patient: Any, tz: Any, today: Any, plans: Any = None) -> dict[str, Any]:
    """The section's context: the SVG, its legend, the events and the table of the same figures.

    ``plans``: the patient's plans with their interventions loaded (the treatments section's, shared
    through the chart's per-request memo); loaded here when not given."""
    series = selectors.patient_score_series(patient, tz)
    events = selectors.patient_treatment_events(patient) if plans is None else selectors.treatment_events(plans)
    drawn = []
    legend = []
    rows = []
    for index, s in enumerate(series):
        marker, dash, colour = charts.style_for(index)
        band = s.band
        band_title = ""
        if band is not None and s.baseline is not None:
            band_title = _("%(name)s: no meaningful change from the baseline %(base)s (%(low)s to %(high)s)") % {
                "name": s.label, "base": s.baseline.total, "low": band[0], "high": band[1],
            }  # fmt: skip
        points = [
            charts.Point(
                when=p.when,
                value=p.total,
                title=f"{p.when:%Y-%m-%d}: {s.label} {p.total}" + (f" ({p.band_label})" if p.band_label else ""),
            )
            for p in s.points
        ]
        drawn.append(
            charts.Series(
                key=s.key, label=s.label, points=points, y_min=s.spec.range.min, y_max=s.spec.range.max,
                band=band, band_title=band_title, marker=marker, dash=dash, colour=colour,
            )  # fmt: skip
        )
        legend.append({"label": s.label, "swatch": mark_safe(charts.legend_marker(marker, dash, colour)), "band": band})  # noqa: S308 - built by ElementTree, escaped
        for p in s.points:
            rows.append({"when": p.when, "instrument": s.label, "key": s.key, "total": p.total,
                         "band": p.band_label, "change": p.change})  # fmt: skip
    rows.sort(key=lambda r: (r["when"], r["instrument"]))
    has_points = any(s.points for s in series)
    svg = charts.render(
        drawn,
        [charts.Event(when=e.when, label=e.label, kind=e.kind) for e in events],
        title=_("Outcome scores over time, with treatment events"),
        today=today,
        empty_text=_("No scores yet"),
    )
    return {
        "svg": mark_safe(svg),  # noqa: S308 - built by ElementTree, every text escaped
        "legend": legend,
        "events": events,
        "rows": rows,
        "has_points": has_points,
    }


def load_section(patient: Any, request: HttpRequest) -> dict[str, Any]:
    from treatments.chart_parts import chart_data  # the plans the treatments section loads anyway

    tz = active_membership(request).clinic.tz
    plans = chart_data(patient, request).plans
    return chart_context(patient, tz, timezone.localtime(timezone.now(), tz).date(), plans)


def _worklist_panel(request: HttpRequest, membership: Membership) -> dict[str, Any] | None:
    clinic = membership.clinic
    worklist = reports.clinician_worklist(clinic, timezone.localtime(timezone.now(), clinic.tz).date())
    return {"alerts": worklist.alerts, "worse": worklist.worse, "overdue": worklist.overdue}


# What the access log calls this app's pages (clinics.pages).
PAGE_NAMES = {
    "surveys:alert": _l("Safety alert"),
    "surveys:handover": _l("Survey handover (QR code)"),
    "outcome_reports:csv": _l("Outcomes export (CSV)"),
}


def register() -> None:
    register_page_names(PAGE_NAMES)
    register_section(
        Section(
            key="outcomes",
            title=_l("Outcome scores"),
            template="outcomes/chart_section.html",
            load=load_section,
            need=Need.VIEW_CLINICAL,
            order=35,
        )
    )
    register_home_panel(
        Panel(
            key="outcomes_worklist",
            template="outcomes/panel_worklist.html",
            roles=frozenset(CLINICIANS),
            context=_worklist_panel,
            order=1,
        )
    )
