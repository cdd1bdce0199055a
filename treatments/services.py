"""Writes to treatment plans. Each is atomic, validated with ``full_clean``, and attributed to
``by`` in the history (django-simple-history), which is where a plan's versions come from.

Permission to call them is decided by the views through ``clinics.access`` and
``treatments.permissions``; the services guard the plan's own rules (a closed plan is not
changed, one active plan per patient, care team members belong to the patient's clinic).
"""

from __future__ import annotations

from collections.abc import Mapping
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

from . import choices as c
from . import selectors
from .models import (
    DETAIL_ACCESSORS,
    DETAIL_MODELS,
    CareTeamMember,
    Goal,
    GoalStatus,
    Intervention,
    InterventionDetail,
    InterventionStatus,
    Medication,
    PlanStatus,
    TreatmentPlan,
)
from .schemas import Details


def _require_current(intervention: Intervention) -> None:
    if intervention.is_entered_in_error:
        raise ValidationError(
            _("This intervention was marked entered in error and can no longer be changed."), code="entered_in_error"
        )


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
    if not locked.interventions.filter(entered_in_error_at__isnull=True).exists():
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


def medications_to_settle(plan: TreatmentPlan) -> list[Medication]:
    """The plan's medications a closing must settle: started and not ended (each stops or continues)."""
    return [
        m
        for m in selectors.medications_list().filter(intervention__plan=plan)
        if m.intervention is not None and m.intervention.is_started and not m.intervention.is_ended
    ]


def _settle_medications(plan: TreatmentPlan, *, by: Any, continuing: Mapping[int, bool], end: date) -> None:
    """Each current medication of the closing plan stops on ``end`` or continues on the patient's
    list, as ``continuing`` (medication pk -> continues) says; every one must be answered."""
    medications = medications_to_settle(plan)
    missing = [m.label for m in medications if m.pk not in continuing]
    if missing:
        raise ValidationError(
            _("Say whether each current medication stops or continues: %(names)s.") % {"names": ", ".join(missing)},
            code="medications_unsettled",
        )
    for m in medications:
        i = m.intervention
        assert i is not None  # noqa: S101 - medications_to_settle keeps plan medications only
        if continuing[m.pk]:
            m.continues = True
            save_record(m, by=by)
        else:
            i.status = InterventionStatus.STOPPED
            i.end_date = max(end, i.start_date) if i.start_date else end
            save_record(i, by=by)


@transaction.atomic
def plan_complete(
    *, plan: TreatmentPlan, by: Any, end_date: date | None = None, continuing: Mapping[int, bool] | None = None
) -> TreatmentPlan:
    """Close an active plan as completed; each current medication stops or continues (``continuing``)."""
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(_("Only an active plan can be completed."), code="not_active")
    end = end_date or timezone.localdate()
    _settle_medications(plan, by=by, continuing=continuing or {}, end=end)
    plan.status = PlanStatus.COMPLETED
    plan.end_date = end
    return save_record(plan, by=by)


@transaction.atomic
def plan_discontinue(
    *,
    plan: TreatmentPlan,
    by: Any,
    reason: str,
    end_date: date | None = None,
    continuing: Mapping[int, bool] | None = None,
) -> TreatmentPlan:
    """Close a draft or active plan as discontinued, with the reason; each current medication
    stops or continues (``continuing``)."""
    _require_open(plan)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason the plan was discontinued.")})
    end = end_date or timezone.localdate()
    _settle_medications(plan, by=by, continuing=continuing or {}, end=end)
    plan.status = PlanStatus.DISCONTINUED
    plan.discontinued_reason = reason.strip()
    plan.end_date = end
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


def _save_detail(intervention: Intervention, detail: InterventionDetail, *, by: Any, confirm_dose: bool) -> None:
    """Save a typed detail row for ``intervention``, checked against its new status and dates."""
    # A detail row describes one intervention for good: it never moves to another (nor patient).
    if detail.pk is not None and getattr(detail, "intervention_id", None) != intervention.pk:
        raise ValidationError(_("These details belong to another intervention."), code="wrong_intervention")
    row: Any = detail
    row.intervention = intervention
    errors = detail.status_errors()
    if errors:
        raise ValidationError(errors)
    if isinstance(detail, Medication):
        detail.patient = intervention.plan.patient
        if detail.pk is None:
            detail.created_by = by
        detail.prescriber = c.CLINIC
        detail.full_clean()
        _confirm(detail, by=by, confirm_dose=confirm_dose)
    save_record(detail, by=by)


_PRESCRIPTION_FIELDS = ("drug", "drug_name", "dose", "unit", "frequency", "max_per_day", "route")


def confirmation_reasons(medication: Medication) -> list[str]:
    """Why this prescription needs "I confirm this dose": an implausible dose
    (``treatments.plausibility``) or a second current prescription of the same drug."""
    reasons = list(medication.needs_confirmation_reasons)
    others = [
        m for m in _medications_beside(medication) if selectors.duplicate_key(m) == selectors.duplicate_key(medication)
    ]
    if others:
        reasons.append(
            _("%(drug)s is already on this patient's medications (%(where)s): this would be a second prescription.")
            % {"drug": medication.label, "where": ", ".join(_where(m) for m in others)}
        )
    return reasons


def _where(m: Medication) -> str:
    if m.intervention is not None:
        return _("plan '%(t)s'") % {"t": m.intervention.plan.title}
    return _("from %(who)s") % {"who": m.prescriber_label}


def _medications_beside(medication: Medication) -> list[Medication]:
    """The patient's current medications and the same plan's open ones, other than this one."""
    rows = selectors.current_medications(medication.patient)
    if medication.intervention is not None:
        plan_rows = selectors.medications_list().filter(intervention__plan_id=medication.intervention.plan_id)
        rows += [m for m in plan_rows if m.intervention is not None and not m.intervention.is_ended]
    seen: set[int] = set()
    found = []
    for m in rows:
        if m.pk != medication.pk and m.pk not in seen:
            seen.add(m.pk)
            found.append(m)
    return found


def _confirm(medication: Medication, *, by: Any, confirm_dose: bool) -> None:
    """Refuse a prescription that needs a confirmation without one; record who confirmed and when.

    A saved prescription already confirmed keeps its confirmation while the prescription itself
    (drug, dose, unit, frequency, route) is unchanged, e.g. when only its dates change."""
    reasons = confirmation_reasons(medication)
    if not reasons:
        medication.confirmed_by, medication.confirmed_at = None, None
        return
    if medication.pk is not None and medication.confirmed_by_id is not None:
        before = Medication.objects.filter(pk=medication.pk).values(*_PRESCRIPTION_FIELDS).first()
        if before and all(before[f] == getattr(medication, f) for f in _PRESCRIPTION_FIELDS):
            return
    if not confirm_dose:
        raise ValidationError(
            {"confirm_dose": [*reasons, _("Check the prescription, then tick 'I confirm this dose' to record it.")]},
            code="needs_confirmation",
        )
    medication.confirmed_by, medication.confirmed_at = by, timezone.now()


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
    confirm_dose: bool = False,
) -> Intervention:
    """Add an intervention of ``modality`` to the plan with its typed details (a ``Medication``,
    ``ProcedureDetail`` or ``NeuromodulationTrial`` row not yet saved, or a descriptive schema)."""
    _require_open(plan)
    _check_kind(modality, detail)
    intervention = Intervention(
        plan=plan,
        modality=modality,
        status=status,
        start_date=start_date,
        end_date=end_date,
        notes=notes,
        created_by=by,
    )
    if isinstance(detail, Details):
        intervention.details = detail.to_json()
    save_record(intervention, by=by)
    if isinstance(detail, InterventionDetail):
        _save_detail(intervention, detail, by=by, confirm_dose=confirm_dose)
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
    confirm_dose: bool = False,
) -> Intervention:
    """Change an intervention's status, dates, notes and details (e.g. record a procedure's
    result). Its plan, patient and kind stay as they are. Without ``detail`` the details are kept."""
    _require_open(intervention.plan)
    _require_current(intervention)
    if detail is not None:
        _check_kind(intervention.modality, detail)
    intervention.status, intervention.start_date, intervention.end_date = status, start_date, end_date
    intervention.notes = notes
    if isinstance(detail, Details):
        intervention.details = detail.to_json()
    save_record(intervention, by=by)
    row = detail if isinstance(detail, InterventionDetail) else detail_of(intervention)
    if row is not None:
        _save_detail(intervention, row, by=by, confirm_dose=confirm_dose)
    return intervention


def detail_of(intervention: Intervention) -> InterventionDetail | None:
    """The intervention's typed detail row (None for the descriptive kinds)."""
    accessor = DETAIL_ACCESSORS.get(intervention.modality)
    return getattr(intervention, accessor) if accessor else None


# --- The patient's current medication list ------------------------------------------------------


@transaction.atomic
def outside_medication_save(
    *, medication: Medication, patient: Patient, by: Any, confirm_dose: bool = False
) -> Medication:
    """Add or change a medication prescribed outside the clinic on the patient's current list
    (its own start and stop dates; the prescriber's name optional)."""
    if medication.pk is not None and (medication.intervention_id is not None or medication.patient_id != patient.pk):
        raise ValidationError(_("Only a medication from outside the clinic is edited here."), code="not_outside")
    if medication.is_entered_in_error:
        raise ValidationError(_("This medication was marked entered in error and can no longer be changed."))
    if medication.pk is None:
        medication.created_by = by
    medication.patient = patient
    medication.prescriber = c.OUTSIDE
    medication.intervention = None
    if medication.status == "":
        medication.status = c.CURRENT
    medication.full_clean()
    _confirm(medication, by=by, confirm_dose=confirm_dose)
    return save_record(medication, by=by)


@transaction.atomic
def medication_stop(*, medication: Medication, by: Any, stop_date: date) -> Medication:
    """Stop a medication on the current list: one from outside, or one that continued after its
    plan closed (an active plan's medication is stopped on the plan)."""
    i = medication.intervention
    if i is not None and not (i.plan.is_closed and medication.continues):
        raise ValidationError(_("This medication belongs to an open plan: stop it there."), code="stop_on_plan")
    start = medication.start_date if i is None else i.start_date
    if start and stop_date < start:
        raise ValidationError({"stop_date": _("The stop date cannot be before the start date.")})
    medication.status = c.STOPPED
    medication.stop_date = stop_date
    return save_record(medication, by=by)


# --- When a patient dies ------------------------------------------------------------------------


@transaction.atomic
def close_for_deceased(*, patient: Patient, by: Any, on: date) -> list[TreatmentPlan]:
    """A patient who died: their draft and active plans are discontinued (reason: deceased) and
    every current medication stops on ``on``. Nothing is deleted.

    Discontinued rather than completed: the plan did not run its course, and "completed" would
    count it among plans that did in reports.
    """
    closed = []
    reason = _("Patient deceased (%(day)s).") % {"day": on.isoformat()}
    for plan in TreatmentPlan.objects.filter(patient=patient, status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE]):
        end = max(on, plan.start_date)
        settle = {m.pk: False for m in medications_to_settle(plan)}
        closed.append(plan_discontinue(plan=plan, by=by, reason=reason, end_date=end, continuing=settle))
    for m in selectors.current_medications(patient, on=on):
        if m.intervention is None or m.continues:
            start = m.start_date if m.intervention is None else m.intervention.start_date
            medication_stop(medication=m, by=by, stop_date=max(on, start) if start else on)
    return closed
