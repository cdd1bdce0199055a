"""What treatments contributes to the patient chart (patients.chart) and the home page.

All three chart loaders share one load per request and patient (four queries: plans, goals,
care team, interventions), so the chart's query count does not grow with the plans' length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from clinics.access import active_membership
from clinics.models import Membership
from clinics.pages import register_page_names
from clinics.panels import Panel, register_home_panel
from clinics.roles import Need, Role
from patients.chart import (
    HeaderBadge,
    Section,
    TimelineEntry,
    memo,
    register_header,
    register_section,
    register_timeline,
)

from . import choices as c
from . import kinds, mme, selectors, trials
from .kinds.medication import medication_summary
from .kinds.neuromodulation import verdict
from .models import Intervention, InterventionStatus, Medication, Modality, PlanStatus, TreatmentPlan


@dataclass
class ChartData:
    plans: list[TreatmentPlan]
    medications: list[Medication]  # the patient's current medication list
    today: date
    total: mme.Total = field(init=False)
    duplicates: set[str] = field(init=False)

    def __post_init__(self) -> None:
        for plan in self.plans:
            for i in plan.interventions.all():
                i.plan = plan
        self.total = selectors.mme_total(self.medications, on=self.today)
        self.duplicates = selectors.duplicate_drugs(self.medications)

    @property
    def active_trials(self) -> list[Intervention]:
        return [
            i
            for plan in self.plans
            if plan.is_active
            for i in plan.interventions.all()
            if i.modality == Modality.NEUROMODULATION_TRIAL and i.status == InterventionStatus.IN_PROGRESS
        ]


def chart_data(patient: Any, request: HttpRequest) -> ChartData:
    """The patient's plans, loaded once per request for the section, timeline and header."""
    return memo(
        request,
        f"treatments:{patient.pk}",
        lambda: ChartData(
            plans=selectors.plans_of_patient(patient),
            medications=selectors.current_medications(patient, on=timezone.localdate()),
            today=timezone.localdate(),
        ),
    )


def _plan_url(plan: TreatmentPlan) -> str:
    return reverse("treatments:detail", args=[plan.public_id])


# --- section: the plans -------------------------------------------------------------------------


def load_section(patient: Any, request: HttpRequest) -> dict[str, Any]:
    data = chart_data(patient, request)
    plans = [{"plan": plan, "rows": selectors.rows_of(plan), "goals": list(plan.goals.all())} for plan in data.plans]
    membership = active_membership(request)
    return {
        "plans": plans,
        "total": data.total,
        "can_write": membership.can(Need.WRITE_PLAN),
        "patient_id": patient.public_id,
    }


# --- section: the current medication list ------------------------------------------------------


@dataclass(frozen=True)
class MedicationRow:
    medication: Medication
    summary: str
    mme: Any  # Decimal | None
    left_out_route: str
    duplicate: bool
    plan: TreatmentPlan | None
    can_edit: bool  # outside the clinic: edited here
    can_stop: bool  # outside, or continuing after its plan closed
    can_mark: bool  # outside: its author or a physician may mark it entered in error


def load_medications(patient: Any, request: HttpRequest) -> dict[str, Any]:
    data = chart_data(patient, request)
    membership = active_membership(request)
    can_write = membership.can(Need.WRITE_PLAN)
    rows = []
    for m in data.medications:
        p = m.prescription()
        plan = m.intervention.plan if m.intervention is not None else None
        rows.append(
            MedicationRow(
                medication=m,
                summary=medication_summary(m),
                mme=mme.daily_mme(p),
                left_out_route=str(c.ROUTE_LABELS.get(m.route, m.route)).lower() if mme.route_left_out(p) else "",
                duplicate=selectors.duplicate_key(m) in data.duplicates,
                plan=plan,
                can_edit=can_write and m.is_outside,
                can_stop=can_write and (plan is None or plan.is_closed),
                # The rule of clinics.records, without a query per row (all rows are this clinic's).
                can_mark=m.is_outside and (membership.role == Role.PHYSICIAN or m.created_by_id == membership.user_id),
            )
        )
    return {"rows": rows, "total": data.total, "can_write": can_write, "patient_id": patient.public_id}


# --- section: what the front desk books ---------------------------------------------------------


def load_schedule(patient: Any, request: HttpRequest) -> dict[str, Any]:
    """The active plan's sessions and procedures to book: no medications, results or notes.

    Only an active plan is booked from (as the worklist's follow-ups): a draft is not in effect,
    and its contents are clinical work the front desk and the clinic admin do not see.
    """
    data = chart_data(patient, request)
    plans = []
    for plan in data.plans:
        if not plan.is_active:
            continue
        items = [
            {"modality": i.get_modality_display(), "what": booking_label(i), "i": i}
            for i in plan.interventions.all()
            if kinds.kind_of(i.modality).bookable and not i.is_ended
        ]
        plans.append({"plan": plan, "items": items})
    return {"plans": plans}


def booking_label(i: Intervention) -> str:
    """What the front desk needs to book an intervention: its type or session count, nothing clinical."""
    return kinds.booking(i)


# --- timeline -----------------------------------------------------------------------------------


def timeline(patient: Any, request: HttpRequest) -> list[TimelineEntry]:
    data = chart_data(patient, request)
    entries: list[TimelineEntry] = []
    for plan in data.plans:
        url = _plan_url(plan)
        if plan.is_draft:
            entries.append(
                TimelineEntry(
                    timezone.localdate(plan.created_at), "plan", _("Draft plan: %(t)s") % {"t": plan.title}, url=url
                )
            )
            continue
        entries.append(TimelineEntry(plan.start_date, "plan", _("Plan started: %(t)s") % {"t": plan.title}, url=url))
        if plan.end_date and plan.is_closed:
            title = (
                _("Plan completed: %(t)s") if plan.status == PlanStatus.COMPLETED else _("Plan discontinued: %(t)s")
            ) % {"t": plan.title}
            entries.append(TimelineEntry(plan.end_date, "plan", title, detail=plan.discontinued_reason, url=url))
        for i in plan.interventions.all():
            entries.extend(_intervention_entries(i, url, data.today))
    return entries


def _intervention_entries(i: Intervention, url: str, today: date) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    if i.modality == Modality.MEDICATION:
        if i.start_date and i.status != InterventionStatus.PLANNED:
            entries.append(TimelineEntry(i.start_date, "medication", _("Medication started"), kinds.summary(i), url))
        if i.end_date and (i.end_date <= today or i.is_ended):
            entries.append(TimelineEntry(i.end_date, "medication", _("Medication stopped"), kinds.summary(i), url))
    elif i.modality == Modality.PROCEDURE and i.start_date:
        entries.append(
            TimelineEntry(
                i.start_date, "procedure", _("Procedure (%(s)s)") % {"s": i.get_status_display()}, kinds.summary(i), url
            )
        )
    elif i.modality == Modality.NEUROMODULATION_TRIAL and i.start_date:
        entries.append(TimelineEntry(i.start_date, "trial", _("Neuromodulation trial"), kinds.summary(i), url))
        outcome = i.trial.outcome
        if outcome.success is not None:
            entries.append(
                TimelineEntry(
                    i.end_date or i.start_date, "trial", _("Trial result"), verdict(outcome), url, sort_key=(1,)
                )
            )
    return entries


# --- header -------------------------------------------------------------------------------------

MME_ADVICE = {
    mme.Level.NONE: _l("Total MME/day over active opioid prescriptions (CDC 2022 factors)."),
    mme.Level.REASSESS: _l("50 MME/day or more: reassess benefits and risks, and offer naloxone."),
    mme.Level.HIGH: _l("90 MME/day or more: avoid or carefully justify; offer naloxone."),
}
_LEVEL_COLOUR = {mme.Level.NONE: "info", mme.Level.REASSESS: "warning", mme.Level.HIGH: "danger"}


def mme_badges(total: mme.Total) -> list[HeaderBadge]:
    badges: list[HeaderBadge] = []
    if total.counted:
        badges.append(
            HeaderBadge(
                _("%(mme)s MME/day") % {"mme": total.display}, _LEVEL_COLOUR[total.level], str(MME_ADVICE[total.level])
            )
        )
    if total.offer_naloxone:
        badges.append(HeaderBadge(_("Offer naloxone"), _LEVEL_COLOUR[total.level], str(MME_ADVICE[total.level])))
    if total.not_summed:
        badges.append(HeaderBadge(_("Buprenorphine (not in the MME total)"), "secondary"))
    if total.left_out:
        badges.append(HeaderBadge(left_out_text(total), "secondary"))
    return badges


def left_out_text(total: mme.Total) -> str:
    n = len(total.left_out)
    return ngettext(
        "%(n)s opioid prescription not in the MME total (route)",
        "%(n)s opioid prescriptions not in the MME total (route)",
        n,
    ) % {"n": n}


def header(patient: Any, request: HttpRequest) -> list[HeaderBadge]:
    data = chart_data(patient, request)
    badges = mme_badges(data.total)
    if data.duplicates:
        names = sorted({m.label for m in data.medications if selectors.duplicate_key(m) in data.duplicates})
        badges.append(HeaderBadge(_("Prescribed twice: %(drugs)s") % {"drugs": ", ".join(names)}, "danger"))
    for trial in data.active_trials:
        label = _("SCS trial in progress") if trial.trial.device == trials.SCS else _("Pump trial in progress")
        if trial.start_date:
            day = (data.today - trial.start_date).days + 1
            label = _("%(label)s, day %(day)s") % {"label": label, "day": day}
        badges.append(HeaderBadge(label, "primary"))
    for plan in data.plans:
        if plan.review_due(data.today):
            badges.append(HeaderBadge(_("Plan review due"), "warning", str(plan.review_date)))
    return badges


# --- home panel ---------------------------------------------------------------------------------


def _due_for_review(request: HttpRequest, membership: Membership) -> dict[str, Any] | None:
    qs = selectors.plans_due_for_review(membership)
    return {"plans": list(qs[:20]), "today": timezone.localdate()}


# What the access log calls this app's pages (clinics.pages).
PAGE_NAMES = {
    "treatments:create": _l("New treatment plan"),
    "treatments:detail": _l("Treatment plan"),
    "treatments:edit": _l("Edit plan"),
    "treatments:complete": _l("Complete plan"),
    "treatments:discontinue": _l("Discontinue plan"),
    "treatments:history": _l("Plan changes"),
    "treatments:print": _l("Printed plan"),
    "treatments:goal_add": _l("Add goal"),
    "treatments:goal_edit": _l("Edit goal"),
    "treatments:team_add": _l("Add to care team"),
    "treatments:intervention_add": _l("Add intervention"),
    "treatments:intervention_edit": _l("Edit intervention"),
    "treatments:intervention_entered_in_error": _l("Intervention entered in error"),
    "treatments:medication_add": _l("Add outside medication"),
    "treatments:medication_edit": _l("Edit outside medication"),
    "treatments:medication_entered_in_error": _l("Medication entered in error"),
    "treatments:medication_stop": _l("Stop medication"),
}


def register() -> None:
    register_page_names(PAGE_NAMES)
    view = Need.VIEW_CLINICAL
    sections = (
        ("treatment_plans", _l("Treatment plans"), "chart_section", load_section, view, 40),
        ("current_medications", _l("Current medications"), "chart_medications", load_medications, view, 35),
        ("treatment_schedule", _l("Treatment sessions to book"), "chart_schedule", load_schedule, Need.BOOK, 45),
    )
    for key, title, template, load, need, order in sections:
        register_section(
            Section(key=key, title=title, template=f"treatments/{template}.html", load=load, need=need, order=order)
        )
    register_timeline("treatments", timeline)
    register_header("treatments", header)
    register_home_panel(
        Panel(
            key="plans_due_for_review",
            template="treatments/panel_review.html",
            roles=frozenset({Role.PHYSICIAN}),
            context=_due_for_review,
            order=15,
        )
    )
