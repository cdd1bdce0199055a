from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinics.access import active_membership, actor, get_for, get_patient_for, logs_access
from clinics.forms_util import submit
from clinics.models import AccessLog
from clinics.records import EnteredInErrorForm, mark_entered_in_error, may_mark_entered_in_error
from clinics.roles import Need
from patients.models import Patient

from . import kinds, mme, selectors, services
from .forms import (
    CareTeamForm,
    CloseForm,
    DiscontinueForm,
    GoalForm,
    OutsideMedicationForm,
    PlanForm,
    StopMedicationForm,
    intervention_form,
)
from .kinds.medication import medication_summary
from .models import (
    GoalStatus,
    InterventionStatus,
    Medication,
    Modality,
    PlanStatus,
    TreatmentPlan,
)
from .permissions import can_update_intervention, can_write_plan

# --- helpers ------------------------------------------------------------------------------------

M = TypeVar("M", bound=Model)


def _visible(request: HttpRequest, qs: QuerySet[M], plan_path: str = "") -> QuerySet[M]:
    """``qs`` as the person's role may see it: without the front desk's and the clinic admin's
    sight of draft plans (``selectors.visible_to``), so a draft's pages are 404 to them."""
    return selectors.visible_to(active_membership(request), qs, plan_path=plan_path)


def _plan(request: HttpRequest, plan_id: Any, need: Need) -> TreatmentPlan:
    return get_for(request, _visible(request, selectors.plans_with_parts()), plan_id, need=need)


def _medications(request: HttpRequest) -> QuerySet[Medication]:
    return _visible(request, selectors.medications_list().select_related("patient"), "intervention__plan__")


def _refuse_if_closed(request: HttpRequest, plan: TreatmentPlan) -> HttpResponse | None:
    if plan.is_closed:
        messages.error(request, _("This plan is closed and can no longer be changed."))
        return redirect("treatments:detail", plan.public_id)
    return None


def _form_page(
    request: HttpRequest,
    plan: TreatmentPlan,
    form: Any,
    write: Callable[..., Any],
    /,
    *,
    saved: str,
    title: str,
    values: Callable[[], dict[str, Any]] | None = None,
    mark_url: str = "",
    **kwargs: Any,
) -> HttpResponse:
    """A page of ``plan`` with ``form``: on a valid POST, ``write(by=..., **values(), **kwargs)``
    (the cleaned data by default), then back to the plan; otherwise the form with its messages."""
    if (
        request.method == "POST"
        and form.is_valid()
        and submit(form, write, by=actor(request), **(values() if values else form.cleaned_data), **kwargs) is not None
    ):
        messages.success(request, saved)
        return redirect("treatments:detail", plan.public_id)
    return render(
        request,
        "treatments/form.html",
        {"form": form, "patient": plan.patient, "plan": plan, "title": title, "mark_url": mark_url},
    )


def _act(request: HttpRequest, plan: TreatmentPlan, write: Callable[[], Any], done: str) -> HttpResponse:
    """A button's POST: call ``write``; say what happened, or why the service refused; back to the plan."""
    try:
        write()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("treatments:detail", plan.public_id)


# --- plans --------------------------------------------------------------------------------------


@login_required
def plan_create(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = get_patient_for(request, patient_id, need=Need.WRITE_PLAN)
    today = timezone.localdate()
    form = PlanForm(request.POST or None, initial={"start_date": today, "review_date": today + timedelta(days=90)})
    if (
        request.method == "POST"
        and form.is_valid()
        and (plan := submit(form, services.plan_create, patient=patient, by=actor(request), **form.cleaned_data))
    ):
        messages.success(request, _("Draft plan created. Add goals and interventions, then activate it."))
        return redirect("treatments:detail", plan.public_id)
    return render(request, "treatments/form.html", {"form": form, "patient": patient, "title": _("New treatment plan")})


@login_required
def plan_detail(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.VIEW_CLINICAL)
    membership = active_membership(request)
    current = selectors.current_medications(plan.patient)
    total = selectors.mme_total(current)
    current_ids = {m.pk for m in current}
    open_here = [
        i.medication
        for i in plan.interventions.all()
        if i.modality == Modality.MEDICATION and not i.is_ended and i.medication.pk not in current_ids
    ]
    duplicates = selectors.duplicate_drugs(current + open_here)
    context = {
        "plan": plan,
        "patient": plan.patient,
        "groups": selectors.rows_by_modality(
            plan, can_edit=lambda i: can_update_intervention(membership, i), duplicates=duplicates
        ),
        "goals": list(plan.goals.all()),
        "team": list(plan.care_team.all()),
        "total": total,
        "outlook": selectors.draft_outlook(plan, total),
        "plan_opioids": mme.fmt(selectors.plan_opioids(plan)),
        "can_write": can_write_plan(membership, plan),
        "modalities": Modality.choices,
    }
    return render(request, "treatments/detail.html", context)


@login_required
def plan_edit(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    if refused := _refuse_if_closed(request, plan):
        return refused
    form = PlanForm(request.POST or None, instance=plan)
    return _form_page(
        request, plan, form, services.plan_update, plan=plan, saved=_("Plan saved."), title=_("Edit plan")
    )


@login_required
@require_POST
def plan_activate(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    return _act(
        request, plan, lambda: services.plan_activate(plan=plan, by=actor(request)), _("The plan is now active.")
    )


@login_required
def plan_complete(request: HttpRequest, plan_id: Any) -> HttpResponse:
    """Complete an active plan, asking per current medication whether it stops or continues."""
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    if refused := _refuse_if_closed(request, plan):
        return refused
    form = CloseForm(request.POST or None, medications=services.medications_to_settle(plan))
    return _form_page(
        request, plan, form, services.plan_complete, plan=plan, values=lambda: {"continuing": form.continuing()},
        saved=_("The plan is completed."), title=_("Complete the plan"),
    )  # fmt: skip


@login_required
def plan_discontinue(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    if refused := _refuse_if_closed(request, plan):
        return refused
    form = DiscontinueForm(request.POST or None, medications=services.medications_to_settle(plan))
    return _form_page(
        request, plan, form, services.plan_discontinue, plan=plan,
        values=lambda: {"reason": form.cleaned_data["reason"], "continuing": form.continuing()},
        saved=_("The plan is discontinued."), title=_("Discontinue the plan"),
    )  # fmt: skip


@login_required
def plan_history(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.VIEW_CLINICAL)
    return render(
        request,
        "treatments/history.html",
        {"plan": plan, "patient": plan.patient, "changes": selectors.plan_history(plan)},
    )


@login_required
@logs_access(AccessLog.Action.PRINT)
def plan_print(request: HttpRequest, plan_id: Any) -> HttpResponse:
    """The plan in plain words for the patient to take home: no application chrome."""
    plan = _plan(request, plan_id, Need.VIEW_CLINICAL)
    interventions = [i for i in plan.interventions.all() if i.status != InterventionStatus.STOPPED]
    medications = [i for i in interventions if i.modality == Modality.MEDICATION]
    steps = [i for i in interventions if i.modality != Modality.MEDICATION]
    if plan.status == PlanStatus.DISCONTINUED:
        # Nothing of a discontinued plan goes on: its open interventions print as stopped.
        interventions = [i for i in plan.interventions.all() if i.status != InterventionStatus.STOPPED or i.end_date]
        medications = [i for i in interventions if i.modality == Modality.MEDICATION]
        steps = [i for i in interventions if i.modality != Modality.MEDICATION]
    total = selectors.mme_total([i.medication for i in medications]) if plan.is_active else None
    with translation.override(plan.patient.preferred_language):
        mark = status_mark(plan)
        return render(
            request,
            "treatments/print.html",
            {
                "plan": plan,
                "mark": mark,
                "stopped_on": plan.end_date if plan.status == PlanStatus.DISCONTINUED else None,
                "mark_css": css_string(mark),
                "patient": plan.patient,
                "clinic": plan.patient.clinic,
                "goals": [g for g in plan.goals.all() if g.status != GoalStatus.DROPPED],
                "medications": [(i, kinds.plain(i)) for i in medications],
                "steps": [(i, kinds.plain(i)) for i in steps],
                "naloxone": bool(total and total.offer_naloxone) or selectors.plan_opioids(plan) >= mme.REASSESS_AT,
                "printed_on": timezone.localdate(),
            },
        )


def status_mark(plan: TreatmentPlan) -> str:
    """What every printed page of a plan that is not in effect says about it ("" when active)."""
    if plan.is_draft:
        return _("DRAFT: not in effect")
    day = plan.end_date.isoformat() if plan.end_date else ""
    if plan.status == PlanStatus.COMPLETED:
        return _("COMPLETED on %(day)s: no longer in effect") % {"day": day}
    if plan.status == PlanStatus.DISCONTINUED:
        return _("DISCONTINUED on %(day)s: no longer in effect") % {"day": day}
    return ""


def css_string(text: str) -> str:
    """``text`` as the body of a CSS string in double quotes (backslash, quote and angle
    brackets escaped, so it can neither end the string nor the style element)."""
    return "".join(f"\\{ord(ch):x} " if ch in '\\"<>\n' else ch for ch in text)


# --- goals --------------------------------------------------------------------------------------


@login_required
def goal_add(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    if refused := _refuse_if_closed(request, plan):
        return refused
    form = GoalForm(request.POST or None)
    return _form_page(request, plan, form, services.goal_add, plan=plan, saved=_("Goal added."), title=_("Add a goal"))


@login_required
def goal_edit(request: HttpRequest, goal_id: Any) -> HttpResponse:
    goals = _visible(request, selectors.goals_with_plan(), "plan__")
    goal = get_for(request, goals, goal_id, need=Need.WRITE_PLAN)
    plan = goal.plan
    if refused := _refuse_if_closed(request, plan):
        return refused
    form = GoalForm(request.POST or None, instance=goal)
    return _form_page(
        request, plan, form, services.goal_update, goal=goal, saved=_("Goal saved."), title=_("Edit goal")
    )


# --- care team ----------------------------------------------------------------------------------


@login_required
def team_add(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    if refused := _refuse_if_closed(request, plan):
        return refused
    clinic = plan.patient.clinic
    form = CareTeamForm(request.POST or None, clinic=clinic)
    return _form_page(
        request, plan, form, services.care_team_add, plan=plan, saved=_("Added to the care team."),
        title=_("Add to the care team"),
    )  # fmt: skip


@login_required
@require_POST
def team_remove(request: HttpRequest, member_id: Any) -> HttpResponse:
    members = _visible(request, selectors.care_team_with_plan(), "plan__")
    member = get_for(request, members, member_id, need=Need.WRITE_PLAN)
    return _act(
        request, member.plan, lambda: services.care_team_remove(member=member, by=actor(request)),
        _("Removed from the care team."),
    )  # fmt: skip


# --- interventions ------------------------------------------------------------------------------


@login_required
def intervention_add(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    if refused := _refuse_if_closed(request, plan):
        return refused
    modality = request.GET.get("kind", "")
    if not modality:
        return render(
            request,
            "treatments/choose_kind.html",
            {"plan": plan, "patient": plan.patient, "modalities": Modality.choices},
        )
    if modality not in Modality.values:
        raise Http404
    form = intervention_form(modality, request.POST or None)
    return _form_page(
        request, plan, form, services.intervention_add, plan=plan, modality=modality,
        values=lambda: {**form.common(), "detail": form.detail(), **form.options()},
        saved=_("%(kind)s added.") % {"kind": Modality(modality).label},
        title=_("Add: %(kind)s") % {"kind": Modality(modality).label},
    )  # fmt: skip


@login_required
def intervention_edit(request: HttpRequest, intervention_id: Any) -> HttpResponse:
    intervention = get_for(
        request,
        _visible(request, selectors.interventions_with_details().select_related("plan__patient"), "plan__"),
        intervention_id,
        need=Need.EDIT_CLINICAL,
    )
    plan = intervention.plan
    if not can_update_intervention(active_membership(request), intervention):
        if plan.is_closed:
            return _refuse_if_closed(request, plan) or redirect("treatments:detail", plan.public_id)
        raise PermissionDenied
    form = intervention_form(intervention.modality, request.POST or None, intervention=intervention)
    kind = intervention.get_modality_display()
    mark_url = ""
    if may_mark_entered_in_error(record=intervention, membership=active_membership(request)):
        mark_url = reverse("treatments:intervention_entered_in_error", args=[intervention.public_id])
    return _form_page(
        request, plan, form, services.intervention_update, intervention=intervention,
        values=lambda: {**form.common(), "detail": form.detail(), **form.options()},
        saved=_("%(kind)s saved.") % {"kind": kind}, title=_("Update: %(kind)s") % {"kind": kind}, mark_url=mark_url,
    )  # fmt: skip


# --- the patient's current medications ----------------------------------------------------------


def _outside_medication_form(
    request: HttpRequest, *, patient: Patient, medication: Medication | None, done: str, title: str
) -> HttpResponse:
    """Add (``medication`` None) or edit a medication prescribed outside the clinic."""
    form = OutsideMedicationForm(request.POST or None, instance=medication)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form, services.outside_medication_save, medication=form.instance, patient=patient, by=actor(request),
            confirm_dose=bool(form.cleaned_data.get("confirm_dose")),
        )  # fmt: skip
        if saved is not None:
            messages.success(request, done)
            return redirect("patients:chart", patient.public_id)
    return render(request, "treatments/form.html", {"form": form, "patient": patient, "title": title})


@login_required
def outside_medication_add(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = get_patient_for(request, patient_id, need=Need.WRITE_PLAN)
    return _outside_medication_form(
        request, patient=patient, medication=None, done=_("Medication added to the patient's list."),
        title=_("Add a medication prescribed outside the clinic"),
    )  # fmt: skip


@login_required
def outside_medication_edit(request: HttpRequest, medication_id: Any) -> HttpResponse:
    medication = get_for(request, _medications(request), medication_id, need=Need.WRITE_PLAN)
    if medication.intervention is not None:  # a plan's medication is edited on its plan
        return redirect("treatments:intervention_edit", medication.intervention.public_id)
    return _outside_medication_form(
        request, patient=medication.patient, medication=medication, done=_("Medication saved."),
        title=_("Edit: %(drug)s") % {"drug": medication.label},
    )  # fmt: skip


@login_required
def medication_stop(request: HttpRequest, medication_id: Any) -> HttpResponse:
    medication = get_for(request, _medications(request), medication_id, need=Need.WRITE_PLAN)
    patient = medication.patient
    form = StopMedicationForm(request.POST or None, initial={"stop_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form, services.medication_stop, medication=medication, by=actor(request),
            stop_date=form.cleaned_data["stop_date"],
        )  # fmt: skip
        if saved is not None:
            messages.success(request, _("%(drug)s stopped.") % {"drug": medication.label})
            return redirect("patients:chart", patient.public_id)
    return render(
        request,
        "treatments/form.html",
        {"form": form, "patient": patient, "title": _("Stop: %(drug)s") % {"drug": medication.label}},
    )


# --- entered in error ---------------------------------------------------------------------------


def _mark_page(request: HttpRequest, record: Any, patient: Any, *, label: str, back: str) -> HttpResponse:
    """Mark ``record`` entered in error (its author or a physician; 403 otherwise)."""
    if not may_mark_entered_in_error(record=record, membership=active_membership(request)):
        raise PermissionDenied
    form = EnteredInErrorForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and submit(form, mark_entered_in_error, record=record, by=actor(request), reason=form.cleaned_data["reason"])
    ):
        messages.success(request, _("Marked entered in error: %(what)s.") % {"what": label})
        return redirect(back)
    return render(
        request,
        "treatments/entered_in_error.html",
        {"form": form, "patient": patient, "record": label, "back": back, "title": _("Mark entered in error")},
    )


@login_required
def intervention_entered_in_error(request: HttpRequest, intervention_id: Any) -> HttpResponse:
    intervention = get_for(
        request,
        _visible(request, selectors.interventions_with_details().select_related("plan__patient"), "plan__"),
        intervention_id,
        need=Need.VIEW_CLINICAL,
    )
    plan = intervention.plan
    label = f"{intervention.get_modality_display()}: {kinds.summary(intervention)}"
    return _mark_page(
        request, intervention, plan.patient, label=label, back=reverse("treatments:detail", args=[plan.public_id])
    )


@login_required
def medication_entered_in_error(request: HttpRequest, medication_id: Any) -> HttpResponse:
    medication = get_for(request, _medications(request), medication_id, need=Need.VIEW_CLINICAL)
    if medication.intervention is not None:  # a plan's medication is marked through its intervention
        return redirect("treatments:intervention_entered_in_error", medication.intervention.public_id)
    patient = medication.patient
    return _mark_page(
        request, medication, patient, label=medication_summary(medication),
        back=reverse("patients:chart", args=[patient.public_id]),
    )  # fmt: skip
