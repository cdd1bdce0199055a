"""The patient chart's own parts: diagnoses, prior surgeries and evaluations (sections), their
entries on the timeline, and the header flags (risk factors, diagnoses, number of surgeries).

Registered from ``PatientsConfig.ready`` through ``patients.chart`` like any other app's parts.
Rows and their histories come from ``patients.selectors`` (one selector per need); each runs a
fixed number of queries: the rows (evaluations with their reports and rows of findings
prefetched), and one per history table, and the rows are shared between section, timeline and
header through ``chart.memo``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clinics.access import active_membership
from clinics.pages import register_page_names
from clinics.roles import Need

from . import chart, selectors
from .choices import EvaluationKind
from .icd import M96_1
from .models import Diagnosis, Evaluation, Patient, PriorSurgery

OBESITY_BMI = Decimal("30")  # WHO obesity threshold; obesity is a risk factor for FBSS (CLINICAL.md)


def _surgeries(patient: Patient, request: HttpRequest) -> list[PriorSurgery]:
    return chart.memo(request, f"surgeries:{patient.pk}", lambda: selectors.surgeries_of(patient))


def _evaluations(patient: Patient, request: HttpRequest) -> list[Evaluation]:
    """The newest evaluations: enough for the chart's section and its part of the timeline."""
    return chart.memo(
        request,
        f"evaluations:{patient.pk}",
        lambda: selectors.evaluations_of(patient, limit=chart.rows_limit(request)),
    )


def _diagnoses(patient: Patient, request: HttpRequest) -> list[Diagnosis]:
    return chart.memo(request, f"diagnoses:{patient.pk}", lambda: selectors.diagnoses_of(patient))


_ID = "00000000-0000-0000-0000-000000000000"


def _links(patient: Patient, edit: str) -> dict[str, str]:
    """The section's links, reversed once rather than once a row: the patient's history page, and
    the edit page of a row as the text either side of its id (``edit`` and ``edit_end``)."""
    before, _marker, after = reverse(edit, args=[_ID]).partition(_ID)
    return {"history_url": reverse("patients:history", args=[patient.public_id]), "edit": before, "edit_end": after}


def _can_edit(request: HttpRequest, need: Need = Need.EDIT_CLINICAL) -> bool:
    return active_membership(request).can(need)


# --- Sections -------------------------------------------------------------------------------------


# The sections show the records only: each links to its edit history on the history page
# (``views.patient_history``), which alone reads the history tables.


def load_diagnoses(patient: Patient, request: HttpRequest) -> dict[str, Any]:
    return {
        "rows": _diagnoses(patient, request),
        "can_edit": _can_edit(request, Need.WRITE_DIAGNOSIS),
        "links": _links(patient, "patients:diagnosis_edit"),
    }


def load_surgeries(patient: Patient, request: HttpRequest) -> dict[str, Any]:
    return {
        "rows": _surgeries(patient, request),
        "can_edit": _can_edit(request),
        "links": _links(patient, "patients:surgery_edit"),
    }


def load_evaluations(patient: Patient, request: HttpRequest) -> dict[str, Any]:
    evaluations = _evaluations(patient, request)
    return {
        "rows": [(e, selectors.findings_lines(e)) for e in evaluations[: chart.EVALUATIONS_ON_CHART]],
        "more": len(evaluations) > chart.EVALUATIONS_ON_CHART,
        "can_edit": _can_edit(request),
        "kinds": EvaluationKind.choices,
        "links": _links(patient, "patients:evaluation_edit"),
    }


# --- Timeline ------------------------------------------------------------------------------------


def timeline(patient: Patient, request: HttpRequest) -> list[chart.TimelineEntry]:
    entries = []
    for s in _surgeries(patient, request):
        entries.append(
            chart.TimelineEntry(
                when=s.sort_date,
                when_label=s.date_label,
                kind="surgery",
                title=_("Surgery: %(procedure)s") % {"procedure": s.get_procedure_display()},
                detail=" · ".join(x for x in (s.levels_label, s.get_fusion_approach_display()) if x),
                url=f"#surgery-{s.public_id}",
                sort_key=(1, s.pk),
            )
        )
    for e in _evaluations(patient, request):
        lines = selectors.findings_lines(e)
        entries.append(
            chart.TimelineEntry(
                when=e.performed_on,
                kind="evaluation",
                title=e.get_kind_display(),
                detail="; ".join(lines[:3]),
                url=f"#evaluation-{e.public_id}",
                sort_key=(2, e.pk),
            )
        )
    for d in _diagnoses(patient, request):
        entries.append(
            chart.TimelineEntry(
                when=d.diagnosed_on,
                kind="diagnosis",
                title=_("Diagnosis: %(code)s") % {"code": d.code},
                detail=d.description,
                url=f"#diagnosis-{d.public_id}",
                sort_key=(0, d.pk),
            )
        )
    return entries


# --- Header --------------------------------------------------------------------------------------


def header(patient: Patient, request: HttpRequest) -> list[chart.HeaderBadge]:
    if not active_membership(request).can(Need.VIEW_CLINICAL):
        return []  # diagnoses and risk factors are clinical data (clinics.roles)
    badges = [
        chart.HeaderBadge(
            label=f"{d.code}" + (f" · {_('primary')}" if d.is_primary else ""),
            level="danger" if d.code == M96_1 else "primary" if d.is_primary else "info",
            title=d.description,
            kind="diagnosis",
        )
        for d in _diagnoses(patient, request)
        if d.is_active
    ]
    count = len(_surgeries(patient, request))
    if count:
        badges.append(
            chart.HeaderBadge(
                label=ngettext("%(n)s prior spine surgery", "%(n)s prior spine surgeries", count) % {"n": count},
                level="warning" if count >= 2 else "secondary",
                title=_("Multiple prior surgeries are a risk factor for a poor outcome.") if count >= 2 else "",
            )
        )
    if patient.is_smoker:
        badges.append(chart.HeaderBadge(_("Smoker"), "warning"))
    bmi = patient.bmi
    if bmi is not None and bmi >= OBESITY_BMI:
        badges.append(chart.HeaderBadge(_("BMI %(bmi)s") % {"bmi": bmi}, "warning", _("Obesity (BMI 30 or more)")))
    if patient.workers_comp_claim:
        badges.append(chart.HeaderBadge(_("Workers' compensation"), "info"))
    if patient.opioid_use_at_intake:
        badges.append(chart.HeaderBadge(_("Opioids at intake"), "warning"))
    if patient.history_of_depression:
        badges.append(chart.HeaderBadge(_("History of depression"), "secondary"))
    if patient.history_of_anxiety:
        badges.append(chart.HeaderBadge(_("History of anxiety"), "secondary"))
    return badges


def load_entered_in_error(patient: Patient, request: HttpRequest) -> dict[str, Any]:
    return {"rows": selectors.entered_in_error_of(patient, with_history=False)}


# What the access log calls this app's pages (clinics.pages).
PAGE_NAMES = {
    "patients:chart": gettext_lazy("Chart"),
    "patients:history": gettext_lazy("Chart history"),
    "patients:edit": gettext_lazy("Edit patient"),
    "patients:attachment_download": gettext_lazy("Attached report"),
    "patients:diagnosis_create": gettext_lazy("Add diagnosis"),
    "patients:diagnosis_edit": gettext_lazy("Edit diagnosis"),
    "patients:diagnosis_entered_in_error": gettext_lazy("Diagnosis entered in error"),
    "patients:evaluation_create": gettext_lazy("Add evaluation"),
    "patients:evaluation_edit": gettext_lazy("Edit evaluation"),
    "patients:evaluation_entered_in_error": gettext_lazy("Evaluation entered in error"),
    "patients:surgery_create": gettext_lazy("Add prior surgery"),
    "patients:surgery_edit": gettext_lazy("Edit prior surgery"),
    "patients:surgery_entered_in_error": gettext_lazy("Prior surgery entered in error"),
}


def register() -> None:
    register_page_names(PAGE_NAMES)
    sections = (
        ("entered_in_error", gettext_lazy("Entered in error"), load_entered_in_error, 900),
        ("diagnoses", gettext_lazy("Diagnoses"), load_diagnoses, 10),
        ("surgeries", gettext_lazy("Prior spine surgeries"), load_surgeries, 20),
        ("evaluations", gettext_lazy("Evaluations"), load_evaluations, 30),
    )
    for key, title, load, order in sections:
        chart.register_section(
            chart.Section(key=key, title=title, template=f"patients/section_{key}.html", load=load, order=order)
        )
    chart.register_timeline("patients", timeline)
    chart.register_header("patients", header)
