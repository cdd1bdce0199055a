from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinics.access import active_membership, actor, get_for, get_patient_for, log_access
from clinics.forms_util import submit
from clinics.models import AccessLog
from clinics.roles import Need

from . import kinds, mme, selectors, services
from .forms import CareTeamForm, DiscontinueForm, GoalForm, PlanForm, intervention_form
from .models import CareTeamMember, Goal, GoalStatus, InterventionStatus, Modality, TreatmentPlan
from .permissions import can_update_intervention, can_write_plan

# --- helpers ------------------------------------------------------------------------------------


def _plan(request: HttpRequest, plan_id: Any, need: Need) -> TreatmentPlan:
    return get_for(request, selectors.plans_with_parts(), plan_id, need=need)


def _refuse_if_closed(request: HttpRequest, plan: TreatmentPlan) -> HttpResponse | None:
    if plan.is_closed:
        messages.error(request, _("This plan is closed and can no longer be changed."))
        return redirect("treatments:detail", plan.public_id)
    return None


def _service_messages(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


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
    total = selectors.mme_of_patient(plan.patient)
    context = {
        "plan": plan,
        "patient": plan.patient,
        "groups": selectors.rows_by_modality(plan, can_edit=lambda i: can_update_intervention(membership, i)),
        "goals": list(plan.goals.all()),
        "team": list(plan.care_team.all()),
        "total": total,
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
    if (
        request.method == "POST"
        and form.is_valid()
        and submit(form, services.plan_update, plan=plan, by=actor(request), **form.cleaned_data) is not None
    ):
        messages.success(request, _("Plan saved."))
        return redirect("treatments:detail", plan.public_id)
    return render(
        request, "treatments/form.html", {"form": form, "patient": plan.patient, "plan": plan, "title": _("Edit plan")}
    )


@login_required
@require_POST
def plan_activate(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    try:
        services.plan_activate(plan=plan, by=actor(request))
    except ValidationError as exc:
        _service_messages(request, exc)
    else:
        messages.success(request, _("The plan is now active."))
    return redirect("treatments:detail", plan.public_id)


@login_required
@require_POST
def plan_complete(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    try:
        services.plan_complete(plan=plan, by=actor(request))
    except ValidationError as exc:
        _service_messages(request, exc)
    else:
        messages.success(request, _("The plan is completed."))
    return redirect("treatments:detail", plan.public_id)


@login_required
def plan_discontinue(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    if refused := _refuse_if_closed(request, plan):
        return refused
    form = DiscontinueForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and submit(form, services.plan_discontinue, plan=plan, by=actor(request), reason=form.cleaned_data["reason"])
        is not None
    ):
        messages.success(request, _("The plan is discontinued."))
        return redirect("treatments:detail", plan.public_id)
    return render(
        request,
        "treatments/form.html",
        {"form": form, "patient": plan.patient, "plan": plan, "title": _("Discontinue the plan")},
    )


@login_required
def plan_history(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.VIEW_CLINICAL)
    return render(
        request,
        "treatments/history.html",
        {"plan": plan, "patient": plan.patient, "changes": selectors.plan_history(plan)},
    )


@login_required
def plan_print(request: HttpRequest, plan_id: Any) -> HttpResponse:
    """The plan in plain words for the patient to take home: no application chrome."""
    plan = _plan(request, plan_id, Need.VIEW_CLINICAL)
    log_access(request, plan.patient, AccessLog.Action.PRINT)
    interventions = [i for i in plan.interventions.all() if i.status != InterventionStatus.STOPPED]
    medications = [i for i in interventions if i.modality == Modality.MEDICATION]
    steps = [i for i in interventions if i.modality != Modality.MEDICATION]
    total = selectors.mme_total(medications) if plan.is_active else None
    with translation.override(plan.patient.preferred_language):
        return render(
            request,
            "treatments/print.html",
            {
                "plan": plan,
                "patient": plan.patient,
                "clinic": plan.patient.clinic,
                "goals": [g for g in plan.goals.all() if g.status != GoalStatus.DROPPED],
                "medications": [(i, kinds.plain(i)) for i in medications],
                "steps": [(i, kinds.plain(i)) for i in steps],
                "naloxone": bool(total and total.offer_naloxone) or selectors.plan_opioids(plan) >= mme.REASSESS_AT,
                "printed_on": timezone.localdate(),
            },
        )


# --- goals --------------------------------------------------------------------------------------


@login_required
def goal_add(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    if refused := _refuse_if_closed(request, plan):
        return refused
    form = GoalForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and submit(form, services.goal_add, plan=plan, by=actor(request), **form.cleaned_data) is not None
    ):
        messages.success(request, _("Goal added."))
        return redirect("treatments:detail", plan.public_id)
    return render(
        request, "treatments/form.html", {"form": form, "patient": plan.patient, "plan": plan, "title": _("Add a goal")}
    )


@login_required
def goal_edit(request: HttpRequest, goal_id: Any) -> HttpResponse:
    goal = get_for(request, Goal.objects.select_related("plan__patient"), goal_id, need=Need.WRITE_PLAN)
    plan = goal.plan
    if refused := _refuse_if_closed(request, plan):
        return refused
    form = GoalForm(request.POST or None, instance=goal)
    if (
        request.method == "POST"
        and form.is_valid()
        and submit(form, services.goal_update, goal=goal, by=actor(request), **form.cleaned_data) is not None
    ):
        messages.success(request, _("Goal saved."))
        return redirect("treatments:detail", plan.public_id)
    return render(
        request, "treatments/form.html", {"form": form, "patient": plan.patient, "plan": plan, "title": _("Edit goal")}
    )


# --- care team ----------------------------------------------------------------------------------


@login_required
def team_add(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = _plan(request, plan_id, Need.WRITE_PLAN)
    if refused := _refuse_if_closed(request, plan):
        return refused
    clinic = plan.patient.clinic
    form = CareTeamForm(request.POST or None, clinic=clinic)
    if (
        request.method == "POST"
        and form.is_valid()
        and submit(form, services.care_team_add, plan=plan, by=actor(request), **form.cleaned_data) is not None
    ):
        messages.success(request, _("Added to the care team."))
        return redirect("treatments:detail", plan.public_id)
    return render(
        request,
        "treatments/form.html",
        {
            "form": form,
            "patient": plan.patient,
            "plan": plan,
            "title": _("Add to the care team"),
        },
    )


@login_required
@require_POST
def team_remove(request: HttpRequest, member_id: Any) -> HttpResponse:
    member = get_for(request, CareTeamMember.objects.select_related("plan__patient"), member_id, need=Need.WRITE_PLAN)
    try:
        services.care_team_remove(member=member, by=actor(request))
    except ValidationError as exc:
        _service_messages(request, exc)
    else:
        messages.success(request, _("Removed from the care team."))
    return redirect("treatments:detail", member.plan.public_id)


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
    if (
        request.method == "POST"
        and form.is_valid()
        and submit(
            form,
            services.intervention_add,
            plan=plan,
            by=actor(request),
            modality=modality,
            **form.common(),
            detail=form.detail(),
        )
        is not None
    ):
        messages.success(request, _("%(kind)s added.") % {"kind": Modality(modality).label})
        return redirect("treatments:detail", plan.public_id)
    return render(
        request,
        "treatments/form.html",
        {
            "form": form,
            "patient": plan.patient,
            "plan": plan,
            "title": _("Add: %(kind)s") % {"kind": Modality(modality).label},
        },
    )


@login_required
def intervention_edit(request: HttpRequest, intervention_id: Any) -> HttpResponse:
    intervention = get_for(
        request,
        selectors.interventions_with_details().select_related("plan__patient"),
        intervention_id,
        need=Need.EDIT_CLINICAL,
    )
    plan = intervention.plan
    if not can_update_intervention(active_membership(request), intervention):
        if plan.is_closed:
            return _refuse_if_closed(request, plan) or redirect("treatments:detail", plan.public_id)
        raise PermissionDenied
    form = intervention_form(intervention.modality, request.POST or None, intervention=intervention)
    if (
        request.method == "POST"
        and form.is_valid()
        and submit(
            form,
            services.intervention_update,
            intervention=intervention,
            by=actor(request),
            **form.common(),
            detail=form.detail(),
        )
        is not None
    ):
        messages.success(request, _("%(kind)s saved.") % {"kind": intervention.get_modality_display()})
        return redirect("treatments:detail", plan.public_id)
    return render(
        request,
        "treatments/form.html",
        {
            "form": form,
            "patient": plan.patient,
            "plan": plan,
            "title": _("Update: %(kind)s") % {"kind": intervention.get_modality_display()},
        },
    )
