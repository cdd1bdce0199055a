"""Writes to treatment plans. Each is atomic, validated with ``full_clean``, and attributed to
``by`` in the history (django-simple-history), which is where a plan's versions come from.

Permission to call them is decided by the views through ``clinics.access`` and
``treatments.permissions``; the services guard the plan's own rules (a closed plan is not
changed, one active plan per patient, care team members belong to the patient's clinic).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Membership
from clinics.recording import delete_record, save_record
from clinics.roles import ROLE_DISCIPLINE, Discipline
from patients.models import Patient

from .models import (
    DETAIL_ACCESSORS,
    DETAIL_MODELS,
    CareTeamMember,
    Goal,
    GoalStatus,
    Intervention,
    InterventionDetail,
    InterventionStatus,
    PlanStatus,
    TreatmentPlan,
)
from .schemas import Details


def _require_open(plan: TreatmentPlan) -> None:
    if plan.is_closed:
        raise ValidationError(_("This plan is closed and can no longer be changed."), code="plan_closed")


def _active_member(user: Any, clinic_id: int) -> Membership | None:
    return Membership.objects.filter(user=user, clinic_id=clinic_id, is_active=True).first()


# --- Plans --------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *, patient: Patient, by: Any, title: str, start_date: date, review_date: date, summary: str = ""
) -> TreatmentPlan:
    """A new draft plan for ``patient``, authored by ``by``, who joins its care team."""
    plan = save_record(
        TreatmentPlan(
            patient=patient, author=by, title=title, summary=summary, start_date=start_date, review_date=review_date
        ),
        by=by,
    )
    membership = _active_member(by, patient.clinic_id)
    discipline = ROLE_DISCIPLINE.get(membership.role, Discipline.OTHER) if membership else Discipline.OTHER
    save_record(CareTeamMember(plan=plan, user=by, discipline=discipline), by=by)
    return plan


@transaction.atomic
def plan_update(
    *, plan: TreatmentPlan, by: Any, title: str, summary: str, start_date: date, review_date: date
) -> TreatmentPlan:
    """Change a draft or active plan's title, summary or dates (the patient stays the same)."""
    _require_open(plan)
    plan.title, plan.summary, plan.start_date, plan.review_date = title, summary, start_date, review_date
    return save_record(plan, by=by)


@transaction.atomic
def plan_activate(*, plan: TreatmentPlan, by: Any) -> TreatmentPlan:
    """Make a draft plan the patient's active plan.

    The database holds the one-active-plan rule (a partial unique index). ``full_clean`` reports
    an active plan that is already committed; a concurrent activation that commits first makes
    our UPDATE fail at the index, which is reported the same way (code ``conflict``).
    """
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft plan can be activated."), code="not_draft")
    missing = []
    if not locked.goals.exists():
        missing.append(_("at least one goal"))
    if not locked.interventions.exists():
        missing.append(_("at least one intervention"))
    if missing:
        raise ValidationError(
            _("Before activating, add %(missing)s.") % {"missing": _(" and ").join(str(m) for m in missing)},
            code="incomplete",
        )
    locked.status = PlanStatus.ACTIVE
    try:
        with transaction.atomic():
            save_record(locked, by=by)
    except IntegrityError:
        raise ValidationError(
            _("Another plan of this patient was activated a moment ago. Only one plan can be active."),
            code="conflict",
        ) from None
    plan.status = locked.status
    return plan


@transaction.atomic
def plan_complete(*, plan: TreatmentPlan, by: Any, end_date: date | None = None) -> TreatmentPlan:
    """Close an active plan as completed."""
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(_("Only an active plan can be completed."), code="not_active")
    plan.status = PlanStatus.COMPLETED
    plan.end_date = end_date or timezone.localdate()
    return save_record(plan, by=by)


@transaction.atomic
def plan_discontinue(*, plan: TreatmentPlan, by: Any, reason: str, end_date: date | None = None) -> TreatmentPlan:
    """Close a draft or active plan as discontinued, with the reason."""
    _require_open(plan)
    if not reason.strip():
        raise ValidationError({"discontinued_reason": _("Give the reason the plan was discontinued.")})
    plan.status = PlanStatus.DISCONTINUED
    plan.discontinued_reason = reason.strip()
    plan.end_date = end_date or timezone.localdate()
    return save_record(plan, by=by)


# --- Care team ----------------------------------------------------------------------------------


@transaction.atomic
def care_team_add(*, plan: TreatmentPlan, by: Any, user: Any, discipline: str) -> CareTeamMember:
    """Add a member of the patient's clinic to the plan's care team."""
    _require_open(plan)
    if _active_member(user, plan.patient.clinic_id) is None:
        raise ValidationError({"user": _("Only staff of this patient's clinic can join the care team.")})
    return save_record(CareTeamMember(plan=plan, user=user, discipline=discipline), by=by)


@transaction.atomic
def care_team_remove(*, member: CareTeamMember, by: Any) -> None:
    _require_open(member.plan)
    delete_record(member, by=by)


# --- Goals --------------------------------------------------------------------------------------


@transaction.atomic
def goal_add(
    *,
    plan: TreatmentPlan,
    by: Any,
    kind: str,
    description: str = "",
    baseline_value: Decimal | int | None = None,
    target_value: Decimal | int | None = None,
    target_date: date | None = None,
    status: str = GoalStatus.NOT_STARTED,
) -> Goal:
    """Add a goal to an open plan."""
    _require_open(plan)
    goal = Goal(
        plan=plan,
        kind=kind,
        description=description,
        baseline_value=baseline_value,
        target_value=target_value,
        target_date=target_date,
        status=status,
    )
    return save_record(goal, by=by)


@transaction.atomic
def goal_update(
    *,
    goal: Goal,
    by: Any,
    kind: str,
    description: str,
    baseline_value: Decimal | int | None,
    target_value: Decimal | int | None,
    target_date: date | None,
    status: str,
) -> Goal:
    """Change a goal, e.g. record that it was achieved (it stays on its plan)."""
    _require_open(goal.plan)
    goal.kind, goal.description, goal.status = kind, description, status
    goal.baseline_value, goal.target_value, goal.target_date = baseline_value, target_value, target_date
    return save_record(goal, by=by)


# --- Interventions ------------------------------------------------------------------------------

Detail = InterventionDetail | Details


def _check_kind(modality: str, detail: Detail | None) -> None:
    expected: type = DETAIL_MODELS.get(modality) or Details
    if not isinstance(detail, expected):
        raise ValidationError({"details": _("Give the details of this kind of intervention.")}, code="wrong_kind")


def _save_detail(intervention: Intervention, detail: InterventionDetail, *, by: Any) -> None:
    """Save a typed detail row for ``intervention``, checked against its new status and dates."""
    # A detail row describes one intervention for good: it never moves to another (nor patient).
    if detail.pk is not None and getattr(detail, "intervention_id", None) != intervention.pk:
        raise ValidationError(_("These details belong to another intervention."), code="wrong_intervention")
    row: Any = detail
    row.intervention = intervention
    errors = detail.status_errors()
    if errors:
        raise ValidationError(errors)
    save_record(detail, by=by)


@transaction.atomic
def intervention_add(
    *,
    plan: TreatmentPlan,
    by: Any,
    modality: str,
    detail: Detail,
    status: str = InterventionStatus.PLANNED,
    start_date: date | None = None,
    end_date: date | None = None,
    notes: str = "",
) -> Intervention:
    """Add an intervention of ``modality`` to the plan with its typed details (a ``Medication``,
    ``ProcedureDetail`` or ``NeuromodulationTrial`` row not yet saved, or a descriptive schema)."""
    _require_open(plan)
    _check_kind(modality, detail)
    intervention = Intervention(
        plan=plan, modality=modality, status=status, start_date=start_date, end_date=end_date, notes=notes
    )
    if isinstance(detail, Details):
        intervention.details = detail.to_json()
    save_record(intervention, by=by)
    if isinstance(detail, InterventionDetail):
        _save_detail(intervention, detail, by=by)
    return intervention


@transaction.atomic
def intervention_update(
    *,
    intervention: Intervention,
    by: Any,
    status: str,
    start_date: date | None,
    end_date: date | None,
    notes: str,
    detail: Detail | None = None,
) -> Intervention:
    """Change an intervention's status, dates, notes and details (e.g. record a procedure's
    result). Its plan, patient and kind stay as they are. Without ``detail`` the details are kept."""
    _require_open(intervention.plan)
    if detail is not None:
        _check_kind(intervention.modality, detail)
    intervention.status, intervention.start_date, intervention.end_date = status, start_date, end_date
    intervention.notes = notes
    if isinstance(detail, Details):
        intervention.details = detail.to_json()
    save_record(intervention, by=by)
    row = detail if isinstance(detail, InterventionDetail) else detail_of(intervention)
    if row is not None:
        _save_detail(intervention, row, by=by)
    return intervention


def detail_of(intervention: Intervention) -> InterventionDetail | None:
    """The intervention's typed detail row (None for the descriptive kinds)."""
    accessor = DETAIL_ACCESSORS.get(intervention.modality)
    return getattr(intervention, accessor) if accessor else None
