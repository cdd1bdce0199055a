"""Reads of treatment plans, already scoped and shaped so a page's query count stays fixed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from clinics.history import HIDDEN, FieldChange, Version, authors_of, history, person, versions_of
from clinics.models import Clinic, Membership
from clinics.roles import Need
from patients.choices import PatientStatus
from patients.models import Patient

from . import choices as c
from . import kinds, mme, trials
from .models import (
    CLOSED_STATUSES,
    DETAIL_ACCESSORS,
    CareTeamMember,
    Goal,
    Intervention,
    Medication,
    Modality,
    NeuromodulationTrial,
    PlanStatus,
    ProcedureDetail,
    TreatmentPlan,
    TrialOutcome,
)

CLOSED = list(CLOSED_STATUSES)

# --- MME/day computed by the database ------------------------------------------------------------

_NUMBER = models.DecimalField(max_digits=20, decimal_places=6)


def daily_mme_expression(prefix: str = "") -> models.Case:
    """MME/day of a ``Medication`` row as SQL (CDC 2022 factors of ``treatments.mme``).

    NULL for a drug without a factor (non-opioids, buprenorphine), in a unit the factor does
    not apply to, or by a route the factor is not for (anything but by mouth; the fentanyl
    patch on the skin), exactly as ``mme.daily_mme``. ``prefix`` reaches the row from another model,
    e.g. ``"medication__"`` from ``Intervention``.
    """
    per_day = models.Case(
        models.When(**{f"{prefix}frequency": c.AS_NEEDED}, then=models.F(f"{prefix}max_per_day")),
        *[
            models.When(**{f"{prefix}frequency": key}, then=models.Value(count))
            for key, (_label, count) in c.FREQUENCIES.items()
            if count is not None
        ],
        output_field=_NUMBER,
    )
    dose = models.F(f"{prefix}dose")
    whens = []
    for drug, factor in mme.FACTORS.items():
        unit, route = mme.REQUIRED_UNIT[drug], mme.COUNTED_ROUTE[drug]
        daily = dose * models.Value(factor) if drug == "fentanyl_patch" else dose * per_day * models.Value(factor)
        whens.append(models.When(**{f"{prefix}drug": drug, f"{prefix}unit": unit, f"{prefix}route": route}, then=daily))
    return models.Case(*whens, default=None, output_field=_NUMBER)


@functools.cache
def _interventions_with_details() -> models.QuerySet[Intervention]:
    # Built once per process: resolving the MME expression (dozens of WHENs) costs ~10 ms, more
    # than the query itself. Never evaluated: callers get a clone (``.all()``), so no rows are
    # cached here and every request runs its own query.
    return (
        Intervention.objects.current()
        .select_related(*DETAIL_ACCESSORS.values())
        .annotate(daily_mme=daily_mme_expression("medication__"))
        .order_by("start_date", "created_at", "id")
    )


def interventions_with_details() -> models.QuerySet[Intervention]:
    """Interventions with their typed detail row and, for medications, their MME/day (``daily_mme``);
    those marked entered in error are left out (they stay in the plan's history)."""
    return _interventions_with_details().all()


def daily_mme_of(intervention: Intervention) -> Decimal | None:
    """The MME/day the database computed for an intervention of ``interventions_with_details``."""
    value: Decimal | None = intervention.__dict__.get("daily_mme")
    return value


M = TypeVar("M", bound=models.Model)


def visible_to(membership: Membership, qs: models.QuerySet[M], *, plan_path: str = "") -> models.QuerySet[M]:
    """``qs`` without the rows of draft plans, for a role that may not read clinical data.

    A draft is clinical work in progress (clinics.roles: ``VIEW_CLINICAL``): to the front desk
    and the clinic admin it does not exist, so the gate answers 404 on its pages. ``plan_path``
    leads from ``qs``'s model to its plan (``"plan__"``, ``"intervention__plan__"``; empty for
    plans). Rows with no plan at all (a medication from outside the clinic) stay.
    """
    if membership.can(Need.VIEW_CLINICAL):
        return qs
    return qs.exclude(**{f"{plan_path}status": PlanStatus.DRAFT})


def goals_with_plan() -> models.QuerySet[Goal]:
    """Goals with their plan and patient, for the gate (``clinics.access.get_for``)."""
    return Goal.objects.select_related("plan__patient")


def care_team_with_plan() -> models.QuerySet[CareTeamMember]:
    """Care-team members with their plan and patient, for the gate."""
    return CareTeamMember.objects.select_related("plan__patient")


def plans_with_parts() -> models.QuerySet[TreatmentPlan]:
    """Plans with their patient, author, goals, care team and interventions (with their details
    and MME), in four queries."""
    return TreatmentPlan.objects.select_related(
        "patient__clinic", "patient__primary_physician", "author"
    ).prefetch_related(
        Prefetch("goals", queryset=Goal.objects.order_by("created_at", "id")),
        Prefetch("care_team", queryset=CareTeamMember.objects.select_related("user")),
        Prefetch("interventions", queryset=interventions_with_details()),
    )


# --- The rows of a plan: summary, MME, trial outcome ---------------------------------------------


@dataclass(frozen=True)
class Row:
    intervention: Intervention
    summary: str
    mme: Decimal | None  # MME/day of an opioid prescription, computed by the database
    trial: TrialOutcome | None
    not_summed: bool = False  # buprenorphine: shown, never added into a total
    can_edit: bool = False
    left_out_route: str = ""  # an opioid by a route without a factor: its route, in words
    duplicate: bool = False  # a second current prescription of the same drug


def rows_of(
    plan: TreatmentPlan,
    *,
    can_edit: Callable[[Intervention], bool] | None = None,
    duplicates: frozenset[str] | set[str] = frozenset(),
) -> list[Row]:
    """The plan's interventions as the plan page and the chart show them (loaded by
    ``plans_with_parts``: no query of its own). ``duplicates``: drugs prescribed twice."""
    rows = []
    for i in plan.interventions.all():
        i.plan = plan  # already loaded: spare a query per row
        medication = i.medication if i.modality == Modality.MEDICATION else None
        left_out = ""
        if medication is not None:
            medication.intervention = i
            if medication.mme_left_out:
                left_out = str(c.ROUTE_LABELS.get(medication.route, medication.route)).lower()
        rows.append(
            Row(
                intervention=i,
                summary=kinds.summary(i),
                mme=daily_mme_of(i),
                trial=i.trial.outcome if i.modality == Modality.NEUROMODULATION_TRIAL else None,
                not_summed=medication is not None and medication.drug in mme.NOT_SUMMED,
                can_edit=can_edit(i) if can_edit else False,
                left_out_route=left_out,
                duplicate=medication is not None and duplicate_key(medication) in duplicates,
            )
        )
    return rows


def rows_by_modality(
    plan: TreatmentPlan,
    *,
    can_edit: Callable[[Intervention], bool],
    duplicates: frozenset[str] | set[str] = frozenset(),
) -> list[tuple[str, list[Row]]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows_of(plan, can_edit=can_edit, duplicates=duplicates):
        grouped.setdefault(row.intervention.modality, []).append(row)
    return [(str(Modality(m).label), grouped[m]) for m in Modality.values if m in grouped]


def plan_opioids(plan: TreatmentPlan) -> Decimal:
    """MME/day of this plan's opioid prescriptions not yet ended, whatever their dates (a draft's
    would-be figure)."""
    return sum((row.mme for row in rows_of(plan) if row.mme is not None and not row.intervention.is_ended), Decimal(0))


def plans_of_patient(patient: Patient) -> list[TreatmentPlan]:
    return list(plans_with_parts().filter(patient=patient).order_by("-start_date", "-created_at"))


def current_medication_q(on: date, prefix: str = "") -> models.Q:
    """The rule of ``Medication``'s docstring as SQL: the rows current on ``on``."""
    p = prefix

    def q(**kw: Any) -> models.Q:
        return models.Q(**{f"{p}{k}": v for k, v in kw.items()})

    not_stopped = (
        (q(stop_date__isnull=True) | q(stop_date__gte=on))
        & q(entered_in_error_at__isnull=True)
        & (q(intervention__isnull=True) | q(intervention__entered_in_error_at__isnull=True))
    )
    outside = q(intervention__isnull=True, start_date__lte=on)
    of_plan = (
        q(intervention__start_date__lte=on)
        & (q(intervention__end_date__isnull=True) | q(intervention__end_date__gte=on))
        & ~q(intervention__status__in=list(c.ENDED_STATUSES))
        & (q(intervention__plan__status=PlanStatus.ACTIVE) | q(intervention__plan__status__in=CLOSED, continues=True))
    )
    return not_stopped & (outside | of_plan)


def medications_list() -> models.QuerySet[Medication]:
    """Medications not marked entered in error (nor their intervention), with what their current
    state and labels need (no query per row)."""
    return (
        Medication.objects.current()
        .select_related("intervention__plan", "confirmed_by")
        .filter(models.Q(intervention__isnull=True) | models.Q(intervention__entered_in_error_at__isnull=True))
        .order_by("drug", "start_date", "id")
    )


def current_medications(patient: Patient, *, on: date | None = None) -> list[Medication]:
    """The patient's one current medication list on ``on`` (today): this clinic's, whether of the
    active plan or continuing after a closed one, and those prescribed outside (one query)."""
    day = on or timezone.localdate()
    return list(medications_list().filter(current_medication_q(day), patient=patient))


def mme_total(medications: list[Medication], *, on: date | None = None) -> mme.Total:
    """MME/day over the current opioid prescriptions among ``medications``."""
    return mme.total_mme([m.prescription() for m in medications], on=on or timezone.localdate())


def mme_of_patient(patient: Patient, *, on: date | None = None) -> mme.Total:
    """The patient's total MME/day over their current medication list."""
    day = on or timezone.localdate()
    return mme_total(current_medications(patient, on=day), on=day)


def duplicate_key(m: Medication) -> str:
    """What makes two prescriptions the same drug ("other" drugs by their name)."""
    return m.drug if m.drug != "other" else f"other:{m.drug_name.strip().lower()}"


def duplicate_drugs(medications: list[Medication]) -> set[str]:
    """The ``duplicate_key`` of drugs that appear more than once among ``medications``."""
    seen: dict[str, int] = {}
    for m in medications:
        seen[duplicate_key(m)] = seen.get(duplicate_key(m), 0) + 1
    return {key for key, n in seen.items() if n > 1}


@dataclass(frozen=True)
class DraftOutlook:
    """A draft plan's opioids added to the patient's current total: what activating would make."""

    total: mme.Total
    plan_mme: Decimal

    @property
    def would_be(self) -> Decimal:
        return self.total.mme + self.plan_mme

    @property
    def level(self) -> mme.Level:
        return mme.level_of(self.would_be)

    @property
    def display(self) -> str:
        return mme.fmt(self.would_be)


def draft_outlook(plan: TreatmentPlan, total: mme.Total) -> DraftOutlook | None:
    """For a draft plan with opioids: the total if it were activated today (None otherwise)."""
    if not plan.is_draft:
        return None
    plan_mme = plan_opioids(plan)
    return DraftOutlook(total=total, plan_mme=plan_mme) if plan_mme else None


def plans_due_for_review(membership: Membership, *, within_days: int = 14) -> models.QuerySet[TreatmentPlan]:
    """Active plans of the clinic that the user leads (author or primary physician), due soon."""
    horizon = timezone.localdate() + timedelta(days=within_days)
    return (
        TreatmentPlan.objects.filter(
            patient__clinic=membership.clinic,
            patient__status=PatientStatus.ACTIVE,
            status=PlanStatus.ACTIVE,
            review_date__lte=horizon,
        )
        .filter(models.Q(author=membership.user) | models.Q(patient__primary_physician=membership.user))
        .select_related("patient")
        .order_by("review_date")
    )


def team_candidates(clinic: Clinic) -> models.QuerySet:
    """Active staff of the clinic who can join a care team (clinicians)."""
    from clinics.roles import CLINICIANS

    return (
        get_user_model()
        .objects.filter(memberships__clinic=clinic, memberships__is_active=True, memberships__role__in=CLINICIANS)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


# --- Versions: what changed, by whom -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    at: datetime
    user: Any
    what: str  # the record's kind: plan, goal, intervention, care team member
    label: str
    action: str  # created, changed, deleted
    fields: list[FieldChange] = field(default_factory=list)  # (field, old, new) in words


# The plan's own link and its parts' links to it are not news in the plan's history.
_HIDDEN = HIDDEN | {"plan", "patient", "intervention"}


def _details_changes(record: Any, old: Any, new: Any) -> list[FieldChange]:
    """A descriptive intervention's details, field by field, as its form labels and shows them."""
    return kinds.details_changes(record.modality, old or {}, new or {})


def plan_history(plan: TreatmentPlan) -> list[Change]:
    """Every version of the plan and its parts, newest first, with the fields that changed.

    Seven history queries (plan, goals, interventions, care team, and the medication, procedure
    and trial rows) plus one for the users, whatever the number of versions.
    """
    sources: list[tuple[type[models.Model], list[Any]]] = [
        (TreatmentPlan, list(history(TreatmentPlan).filter(id=plan.pk))),
        (Goal, list(history(Goal).filter(plan_id=plan.pk))),
        (Intervention, list(history(Intervention).filter(plan_id=plan.pk))),
        (CareTeamMember, list(history(CareTeamMember).filter(plan_id=plan.pk))),
        *[
            (model, list(history(model).filter(intervention__plan_id=plan.pk)))
            for model in (Medication, ProcedureDetail, NeuromodulationTrial)
        ],
    ]
    team = next(records for model, records in sources if model is CareTeamMember)
    members = authors_of((r for _m, records in sources for r in records), also=(r.user_id for r in team))
    found: list[tuple[type[models.Model], Version]] = []
    for model, records in sources:
        found.extend(
            (model, v)
            for v in versions_of(model, records, hidden=_HIDDEN, expand={"details": _details_changes}, users=members)
        )
    changes = [
        Change(
            at=v.at,
            user=v.user,
            what=str(model._meta.verbose_name),
            label=_label(model, v.record, members),
            action=v.action,
            fields=v.changes,
        )
        for model, v in found
    ]
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


def _label(model: type[models.Model], record: Any, members: dict[Any, Any]) -> str:
    if model is Intervention:
        return str(Modality(record.modality).label) if record.modality in Modality.values else record.modality
    if model is Goal:
        return str(record.get_kind_display())
    if model is CareTeamMember:
        return person(members.get(record.user_id)) if record.user_id in members else ""
    if model is Medication:
        return str(c.DRUG_LABELS.get(record.drug, record.drug))
    if model is ProcedureDetail:
        return c.label_of(c.PROCEDURE_TYPES, record.procedure_type)
    if model is NeuromodulationTrial:
        return c.label_of(c.DEVICES, record.device)
    return str(record.title)


# --- Reports computed by the database ------------------------------------------------------------


def mme_per_patient(clinic: Clinic, *, on: date) -> dict[int, Decimal]:
    """Each patient's MME/day on ``on`` over their current medication list, summed by the
    database in one query (patients without a counted opioid are left out).

    The same rule as ``mme_of_patient``: the rows ``current_medication_q`` selects; drugs without a
    factor (buprenorphine, non-opioids) and doses by a route without a factor add nothing.
    """
    rows = (
        Medication.objects.filter(current_medication_q(on), patient__clinic=clinic)
        .values("patient_id")
        .annotate(total=models.Sum(daily_mme_expression()))
        .order_by()
    )
    return {row["patient_id"]: row["total"] for row in rows if row["total"] is not None}


def trial_meets_rule_expression() -> models.Case:
    """Whether a ``NeuromodulationTrial`` met its success rule, as SQL (NULL while undecided).

    Relief >= 50% is ``2 x trial <= baseline``: exact on decimals, no division. SCS also needs
    stable or reduced analgesic use; a pump needs more than 50% (``2 x trial < baseline``).
    """
    twice_trial = models.F("trial_nrs") * 2
    decided = models.Q(baseline_nrs__gt=0, trial_nrs__isnull=False)
    scs = decided & models.Q(device=trials.SCS) & ~models.Q(analgesic_change="")
    return models.Case(
        models.When(
            scs,
            then=models.Case(
                models.When(
                    models.Q(baseline_nrs__gte=twice_trial, analgesic_change__in=[trials.REDUCED, trials.STABLE]),
                    then=models.Value(True),
                ),
                default=models.Value(False),
            ),
        ),
        models.When(
            decided & models.Q(device=trials.PUMP),
            then=models.Case(
                models.When(baseline_nrs__gt=twice_trial, then=models.Value(True)), default=models.Value(False)
            ),
        ),
        default=None,
        output_field=models.BooleanField(null=True),
    )


def trial_results(clinic: Clinic) -> dict[str, dict[str, int]]:
    """Per device: how many trials met the rule, did not, and how many went on to an implant
    decision, counted by the database (one query)."""
    rows = (
        NeuromodulationTrial.objects.filter(
            intervention__plan__patient__clinic=clinic, intervention__entered_in_error_at__isnull=True
        )
        .annotate(meets=trial_meets_rule_expression())
        .values("device")
        .annotate(
            met=models.Count("id", filter=models.Q(meets=True)),
            not_met=models.Count("id", filter=models.Q(meets=False)),
            implanted=models.Count("id", filter=models.Q(decision=c.IMPLANT)),
        )
        .order_by("device")
    )
    return {row["device"]: {k: row[k] for k in ("met", "not_met", "implanted")} for row in rows}


def procedure_relief(clinic: Clinic) -> dict[str, tuple[int, Decimal | None]]:
    """Per procedure type: the number done with a recorded relief and its mean percentage."""
    rows = (
        ProcedureDetail.objects.filter(
            intervention__plan__patient__clinic=clinic,
            intervention__entered_in_error_at__isnull=True,
            percent_relief__isnull=False,
        )
        .values("procedure_type")
        .annotate(n=models.Count("id"), mean=models.Avg("percent_relief"))
        .order_by("procedure_type")
    )
    return {row["procedure_type"]: (row["n"], row["mean"]) for row in rows}
