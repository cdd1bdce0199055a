"""Treatment plans: a patient's multidisciplinary plan, its goals, care team and interventions.

Every intervention is a row of ``Intervention``: what all kinds share (plan, modality, status,
dates, notes). What is queried and computed on has typed tables of its own, one row per
intervention (one-to-one): ``Medication`` (doses and MME), ``ProcedureDetail`` (levels, pain
before and after, relief) and ``NeuromodulationTrial`` (baseline and trial NRS, the decision).
The descriptive kinds keep their few fields in ``Intervention.details``, JSON read and written
only through the typed schemas of ``treatments.schemas``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clinics.fields import staff_ref
from clinics.records import EnteredInError
from clinics.roles import Discipline
from clinics.validators import no_markup
from patients import spine
from patients.models import ChoiceLabels, Patient

from . import choices as c
from . import cpt, mme, schemas, trials
from .choices import (
    CLOSED_STATUSES,
    ENDED_STATUSES,
    MODALITY_DISCIPLINE,
    STARTED_STATUSES,
    GoalKind,
    GoalStatus,
    InterventionStatus,
    Modality,
    PlanStatus,
)

# Re-exported: the app's vocabulary.
__all__ = [
    "CLOSED_STATUSES", "ENDED_STATUSES", "GoalKind", "GoalStatus", "InterventionStatus", "Modality", "PlanStatus",
]  # fmt: skip


# Dates of a plan and its interventions must be plausible: not before the patient's birth, not
# more than 50 years back (a slip of the century: 1925 for 2025) and not more than a year ahead
# (plans are made for now; a start two years away is a typo). The platform's choice.
YEARS_BACK = 50
DAYS_AHEAD = 366


def check_record_day(day: date | None, patient: Patient | None, field: str, errors: dict[str, Any]) -> None:
    """Put a message on ``field`` when ``day`` is outside the plausible window."""
    if day is None:
        return
    today = timezone.localdate()
    if patient is not None and patient.date_of_birth and day < patient.date_of_birth:
        errors.setdefault(field, []).append(_("The date cannot be before the patient's date of birth."))
    elif (today - day).days > YEARS_BACK * 366:
        errors.setdefault(field, []).append(
            _("The date is more than %(n)s years ago: check the year.") % {"n": YEARS_BACK}
        )
    elif (day - today).days > DAYS_AHEAD:
        errors.setdefault(field, []).append(_("The date is more than a year ahead: check the year."))


class TreatmentPlan(ChoiceLabels, models.Model):
    clinic_field = "patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatment_plans")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="authored_plans"
    )
    title = models.CharField(_("title"), max_length=120, validators=[no_markup])
    summary = models.TextField(
        _("summary"),
        max_length=4000,
        blank=True,
        validators=[no_markup],
        help_text=_("The reasoning behind the plan, for the care team."),
    )
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    start_date = models.DateField(_("start date"))
    review_date = models.DateField(_("review date"), help_text=_("When the team reviews the goals."))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    discontinued_reason = models.TextField(
        _("reason for discontinuing"), max_length=2000, blank=True, validators=[no_markup]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-start_date", "-created_at"]
        constraints = [
            # The one-active-plan rule lives in the database, so two people activating two plans
            # of one patient at the same moment cannot both succeed.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status=PlanStatus.ACTIVE),
                name="treatmentplan_one_active_per_patient",
                violation_error_message=_(
                    "This patient already has an active plan. Complete or discontinue it before activating another."
                ),
                violation_error_code="one_active_plan",
            ),
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="treatmentplan_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.DISCONTINUED) | ~Q(discontinued_reason=""),
                name="treatmentplan_discontinued_has_reason",
                violation_error_message=_("Give the reason the plan was discontinued."),
            ),
            models.CheckConstraint(
                condition=Q(review_date__gte=models.F("start_date")),
                name="treatmentplan_review_after_start",
                violation_error_message=_("The review date cannot be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["status", "review_date"], name="treatmentplan_status_review")]
        verbose_name = _("treatment plan")
        verbose_name_plural = _("treatment plans")

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status == PlanStatus.ACTIVE

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def review_due(self, today: date | None = None) -> bool:
        return self.is_active and self.review_date <= (today or timezone.localdate())

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        patient = self.patient if self.patient_id else None
        check_record_day(self.start_date, patient, "start_date", errors)
        if errors:
            raise ValidationError(errors)


class CareTeamMember(models.Model):
    """A member of the patient's clinic on this plan's care team, with the discipline they bring."""

    clinic_field = "plan__patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.PROTECT, related_name="care_teams"
    )
    discipline = models.CharField(_("discipline"), max_length=20, choices=Discipline.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["discipline", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "user"],
                name="careteam_member_once_per_plan",
                violation_error_message=_("This person is already on the care team."),
            ),
            models.CheckConstraint(condition=Q(discipline__in=Discipline.values), name="careteam_discipline_valid"),
        ]
        verbose_name = _("care team member")
        verbose_name_plural = _("care team")

    def __str__(self) -> str:
        return f"{self.user_id} ({self.discipline})"


# The range a numeric target must lie in, per goal kind (None: no number for this kind).
GOAL_RANGES: dict[str, tuple[int, int] | None] = {
    GoalKind.PAIN: (0, 10),
    GoalKind.FUNCTION: (0, 100),
    GoalKind.RETURN_TO_WORK: None,
    GoalKind.ACTIVITIES: None,
    GoalKind.OPIOID_REDUCTION: (0, 1000),
    GoalKind.OTHER: (0, 100000),
}


def _plain(value: Decimal | int) -> str:
    """A number without trailing zeros: 8, 6.5."""
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


# Goals whose number should go down: pain (NRS), disability (ODI, lower is better), opioid dose.
LOWER_IS_BETTER: dict[str, Any] = {
    GoalKind.PAIN: _("A pain goal aims lower: the target (%(target)s) must be below the baseline (%(baseline)s)."),
    GoalKind.FUNCTION: _(
        "On the ODI a lower score is better: the target (%(target)s) must be below the baseline (%(baseline)s)."
    ),
    GoalKind.OPIOID_REDUCTION: _(
        "An opioid reduction aims lower: the target (%(target)s MME/day) must be below the baseline "
        "(%(baseline)s MME/day)."
    ),
}


class Goal(models.Model):
    clinic_field = "plan__patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(_("kind"), max_length=20, choices=GoalKind.choices)
    description = models.CharField(
        _("description"),
        max_length=300,
        blank=True,
        validators=[no_markup],
        help_text=_("In words the patient would use, e.g. 'walk the dog for 30 minutes'."),
    )
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=7, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    target_value = models.DecimalField(
        _("target"), max_digits=7, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=GoalKind.values), name="goal_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=GoalStatus.values), name="goal_status_valid"),
        ]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        bounds = GOAL_RANGES.get(self.kind)
        if bounds is None:
            for name in ("baseline_value", "target_value"):
                if getattr(self, name) is not None:
                    errors[name] = _("This kind of goal has no number; describe it in words.")
            if not self.description:
                errors["description"] = _("Describe the goal, e.g. the job or the activities.")
        else:
            low, high = bounds
            for name in ("baseline_value", "target_value"):
                value = getattr(self, name)
                if value is not None and not (low <= value <= high):
                    errors[name] = _("Enter a value from %(low)s to %(high)s.") % {"low": low, "high": high}
            if self.target_value is None and self.kind != GoalKind.OTHER:
                errors["target_value"] = _("Give the target.")
            if self.kind == GoalKind.OTHER and not self.description:
                errors["description"] = _("Describe the goal.")
            direction = LOWER_IS_BETTER.get(self.kind)
            baseline, target = self.baseline_value, self.target_value
            if (
                direction
                and baseline is not None
                and target is not None
                and "target_value" not in errors
                and target >= baseline
            ):
                errors["target_value"] = direction % {"target": _plain(target), "baseline": _plain(baseline)}
        if self.target_date and self.plan_id and self.target_date < self.plan.start_date:
            errors["target_date"] = _("The target date cannot be before the plan starts (%(day)s).") % {
                "day": self.plan.start_date.isoformat()
            }
        if errors:
            raise ValidationError(errors)


class Intervention(ChoiceLabels, EnteredInError):
    """One intervention of a plan. Marked entered in error (``clinics.records``) it leaves the plan
    page, the chart, the work lists and the MME total, and stays in the plan's history."""

    clinic_field = "plan__patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="interventions")
    modality = models.CharField(_("modality"), max_length=24, choices=Modality.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=InterventionStatus.choices, default=InterventionStatus.PLANNED
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True, validators=[no_markup])
    # The descriptive kinds' fields, as their schema in treatments.schemas writes them.
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_by = staff_ref(_("added by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["start_date", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(modality__in=Modality.values), name="intervention_modality_valid"),
            models.CheckConstraint(condition=Q(status__in=InterventionStatus.values), name="intervention_status_valid"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="intervention_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["modality", "status"], name="intervention_modality_status")]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")

    def __str__(self) -> str:
        return self.get_modality_display()

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED_STATUSES

    @property
    def is_started(self) -> bool:
        return self.status in STARTED_STATUSES

    @property
    def discipline(self) -> str:
        return MODALITY_DISCIPLINE[self.modality]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        patient = self.plan.patient if self.plan_id else None
        check_record_day(self.start_date, patient, "start_date", errors)
        check_record_day(self.end_date, patient, "end_date", errors)
        if errors:
            raise ValidationError(errors)
        if self.modality not in Modality.values:
            return  # the field's own choices validation reports it
        if self.modality in schemas.SCHEMAS:
            self.details = schemas.parse(self.modality, self.details).to_json()
        elif self.details:
            raise ValidationError({"details": _("This kind of intervention keeps its details in their own table.")})


class InterventionDetail(models.Model):
    """What the typed detail tables share: the one intervention they describe."""

    clinic_field = "intervention__plan__patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True

    def status_errors(self) -> dict[str, Any]:
        """The rules that depend on the intervention's status and dates, checked by the services
        once the intervention carries its new values (none by default)."""
        return {}


def _codes(choices: list[tuple[str, Any]]) -> list[str]:
    return [key for key, _label in choices]


NRS_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]


def _nrs_whole(label: Any) -> models.PositiveSmallIntegerField:
    """A pain score 0 to 10 in whole points (procedures' before and after)."""
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=NRS_VALIDATORS, help_text=_("0 to 10")
    )


def _nrs_tenths(label: Any) -> models.DecimalField:
    """A pain score 0 to 10 with one decimal (trials' baseline and trial scores, e.g. 7.5)."""
    return models.DecimalField(
        label, max_digits=3, decimal_places=1, null=True, blank=True, validators=NRS_VALIDATORS, help_text=_("0 to 10")
    )


MG_OPIOIDS = sorted(drug for drug, unit in mme.REQUIRED_UNIT.items() if unit == "mg")


class Medication(InterventionDetail, EnteredInError):
    """One prescription on the patient's one current medication list: drug, dose, how often, by
    which route, who prescribed it, and whether it is still taken.

    A plan's medication is an entry of this list linked to its intervention (the plan prescribes
    it; its dates and status are the intervention's while the plan is active). An entry without
    an intervention was prescribed outside the clinic and has its own start and stop dates.
    When a plan closes, each of its current medications stops or continues (``continues``):
    a continuing one stays on the list until it is stopped there.

    Current on a day (``prescription().is_current``; the same rule as SQL in
    ``selectors.current_medication_q``):
    - not past its stop date on the list (a stopped entry always has one), and
    - outside: started on or before the day;
    - of a plan: the intervention started on or before the day, not ended and not past its end
      date, and the plan active, or closed with this medication continuing.
    """

    clinic_field = "patient__clinic"

    intervention = models.OneToOneField(
        Intervention, on_delete=models.CASCADE, related_name="medication", null=True, blank=True
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    prescriber = models.CharField(_("prescribed by"), max_length=8, choices=c.PRESCRIBERS, default=c.CLINIC)
    prescriber_name = models.CharField(
        _("prescriber's name"),
        max_length=120,
        blank=True,
        validators=[no_markup],
        help_text=_("Optional, e.g. the family doctor."),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    stop_date = models.DateField(_("stop date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=c.MEDICATION_STATES, default=c.CURRENT)
    continues = models.BooleanField(_("continues after its plan closed"), default=False)
    confirmed_by = staff_ref(_("dose confirmed by"))
    confirmed_at = models.DateTimeField(_("dose confirmed at"), null=True, blank=True)
    created_by = staff_ref(_("added by"))
    drug = models.CharField(_("drug"), max_length=32, choices=c.DRUGS)
    drug_name = models.CharField(
        _("drug name or brand"), max_length=80, blank=True, validators=[no_markup], help_text=_("Needed for 'Other'.")
    )
    dose = models.DecimalField(
        _("dose"),
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("100000"))],
    )
    unit = models.CharField(_("unit"), max_length=8, choices=c.UNITS)
    frequency = models.CharField(_("how often"), max_length=16, choices=c.FREQUENCY_CHOICES)
    max_per_day = models.PositiveSmallIntegerField(
        _("at most, doses a day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("For 'as needed': the most the patient may take in a day."),
    )
    route = models.CharField(_("route"), max_length=16, choices=c.ROUTES)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(dose__gt=0), name="medication_dose_positive"),
            models.CheckConstraint(condition=Q(drug__in=list(c.DRUG_LABELS)), name="medication_drug_valid"),
            models.CheckConstraint(condition=Q(unit__in=_codes(c.UNITS)), name="medication_unit_valid"),
            models.CheckConstraint(condition=Q(route__in=_codes(c.ROUTES)), name="medication_route_valid"),
            models.CheckConstraint(condition=Q(frequency__in=list(c.FREQUENCIES)), name="medication_frequency_valid"),
            models.CheckConstraint(
                condition=(
                    Q(frequency=c.AS_NEEDED, max_per_day__isnull=False) & Q(max_per_day__gte=1, max_per_day__lte=24)
                )
                | (~Q(frequency=c.AS_NEEDED) & Q(max_per_day__isnull=True)),
                name="medication_as_needed_has_daily_maximum",
            ),
            # The units the MME factors apply to (CDC 2022), so that every opioid row has a figure.
            models.CheckConstraint(
                condition=~Q(drug="fentanyl_patch") | (Q(unit="mcg/hr") & Q(route="transdermal")),
                name="medication_fentanyl_patch_in_mcg_hr",
            ),
            models.CheckConstraint(condition=~Q(drug__in=MG_OPIOIDS) | Q(unit="mg"), name="medication_opioid_in_mg"),
            models.CheckConstraint(
                condition=Q(intervention__isnull=False) | Q(prescriber=c.OUTSIDE, start_date__isnull=False),
                name="medication_outside_has_start",
                violation_error_message=_("A medication from outside the clinic needs its start date."),
            ),
            models.CheckConstraint(
                condition=Q(stop_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(stop_date__gte=models.F("start_date")),
                name="medication_stop_after_start",
                violation_error_message=_("The stop date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=~Q(status=c.STOPPED) | Q(stop_date__isnull=False),
                name="medication_stopped_has_date",
                violation_error_message=_("Give the date the medication was stopped."),
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True, confirmed_at__isnull=True)
                | Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
                name="medication_confirmation_has_who_and_when",
            ),
        ]
        verbose_name = _("medication")
        verbose_name_plural = _("medications")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.drug == "other":
            return str(self.drug_name or _("Other drug"))
        label = str(c.DRUG_LABELS.get(self.drug, self.drug))
        return f"{label} ({self.drug_name})" if self.drug_name else label

    @property
    def doses_per_day(self) -> Decimal:
        per_day = c.FREQUENCIES.get(self.frequency, (None, Decimal(0)))[1]
        if per_day is None:
            return Decimal(self.max_per_day or 0)
        return per_day

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.frequency != c.AS_NEEDED:
            self.max_per_day = None
        elif not self.max_per_day:
            errors["max_per_day"] = _("For 'as needed', give the most doses a day.")
        if self.drug == "other" and not self.drug_name:
            errors["drug_name"] = _("Name the drug.")
        required = mme.REQUIRED_UNIT.get(self.drug)
        if required and self.unit and self.unit != required:
            errors["unit"] = _("Prescribe %(drug)s in %(unit)s so that its MME/day can be computed.") % {
                "drug": c.DRUG_LABELS[self.drug],
                "unit": required,
            }
        patient = self.patient if self.patient_id else None
        check_record_day(self.start_date, patient, "start_date", errors)
        check_record_day(self.stop_date, patient, "stop_date", errors)
        if self.drug == "fentanyl_patch":
            if self.route and self.route != "transdermal":
                errors["route"] = _("A fentanyl patch goes on the skin: choose 'Skin patch'.")
            if self.frequency and self.frequency not in c.PATCH_FREQUENCIES:
                errors["frequency"] = _("Choose how often the patch is changed.")
        if errors:
            raise ValidationError(errors)

    def status_errors(self) -> dict[str, Any]:
        i = self.intervention
        if i is not None and i.is_started and i.start_date is None:
            return {"start_date": _("Give the date the medication was started.")}
        return {}

    @property
    def is_outside(self) -> bool:
        return self.prescriber == c.OUTSIDE

    @property
    def prescriber_label(self) -> str:
        if self.prescriber == c.OUTSIDE:
            return self.prescriber_name or str(_("Outside the clinic"))
        return str(_("This clinic"))

    @property
    def mme_left_out(self) -> bool:
        """An opioid with a factor given by a route the factor does not apply to."""
        return mme.route_left_out(self.prescription())

    @property
    def needs_confirmation_reasons(self) -> list[str]:
        """Why this dose needs an explicit confirmation (``treatments.plausibility``)."""
        from . import plausibility

        reasons = []
        own = mme.daily_mme(self.prescription()) if self.dose and self.frequency else None
        if own is not None and own >= plausibility.CONFIRM_AT_MME:
            reasons.append(_("This dose alone is %(mme)s MME/day (90 or more).") % {"mme": mme.fmt(own)})
        if self.dose and plausibility.above_ceiling(self.drug, self.dose, self.unit):
            limit, unit = plausibility.PLAUSIBLE_MAX_DOSE[self.drug]
            reasons.append(
                _(
                    "%(dose)s %(unit)s at once is above this platform's plausibility ceiling for %(drug)s (%(limit)s %(unit)s)."
                )
                % {"dose": f"{self.dose.normalize():f}", "unit": unit, "drug": self.label, "limit": limit}
            )
        return reasons

    def prescription(self) -> mme.Prescription:
        """What the MME arithmetic needs to know of this prescription, current or not by the rule
        of the class docstring."""
        # A stopped medication always has its stop date (a constraint): the date decides.
        i = self.intervention
        if i is None:
            start, stop, ended = self.start_date, self.stop_date, False
        else:
            plan = i.plan
            start = i.start_date
            stops = [d for d in (i.end_date, self.stop_date) if d is not None]
            stop = min(stops) if stops else None
            counted_plan = plan.is_active or (plan.is_closed and self.continues)
            ended = i.is_ended or not counted_plan
        return mme.Prescription(
            drug=self.drug,
            dose=self.dose,
            unit=self.unit,
            doses_per_day=self.doses_per_day,
            start=start,
            stop=stop,
            ended=ended,
            label=self.label,
            route=self.route,
        )


def _clean_cpt_and_levels(detail: ProcedureDetail | NeuromodulationTrial, errors: dict[str, Any]) -> None:
    try:
        detail.cpt_code = cpt.check(detail.cpt_code or "", confirmed=detail.cpt_confirmed)
    except ValidationError as exc:
        errors["cpt_code"] = exc.messages
    levels = detail.levels if isinstance(detail.levels, list) else []
    if not all(isinstance(level, str) for level in levels):
        errors["levels"] = _("Choose spinal levels from the list.")
        return
    try:
        detail.levels = spine.ordered(levels)
    except ValidationError as exc:
        errors["levels"] = exc.messages


class ProcedureDetail(InterventionDetail):
    """An interventional procedure and its result (pain before and after, relief and how long)."""

    intervention = models.OneToOneField(Intervention, on_delete=models.CASCADE, related_name="procedure")
    procedure_type = models.CharField(_("procedure"), max_length=24, choices=c.PROCEDURE_TYPES)
    cpt_code = models.CharField(_("CPT code"), max_length=5, blank=True, help_text=_("The code only."))
    cpt_confirmed = models.BooleanField(_("I checked this code (not on the clinic's list)"), default=False)
    levels = models.JSONField(_("levels"), default=list, blank=True)
    side = models.CharField(_("side"), max_length=12, choices=c.SIDES, blank=True)
    pain_before = _nrs_whole(_("pain before (NRS)"))
    pain_after = _nrs_whole(_("pain after (NRS)"))
    percent_relief = models.PositiveSmallIntegerField(
        _("relief (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Left blank: computed."),
    )
    relief_duration = models.PositiveSmallIntegerField(
        _("relief lasted"), null=True, blank=True, validators=[MaxValueValidator(1000)]
    )
    relief_duration_unit = models.CharField(_("unit"), max_length=8, choices=c.DURATION_UNITS, blank=True)

    history = HistoricalRecords()

    RESULT_FIELDS = ("pain_before", "pain_after", "percent_relief", "relief_duration")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(procedure_type__in=_codes(c.PROCEDURE_TYPES)), name="procedure_type_valid"
            ),
            models.CheckConstraint(condition=Q(pain_before__lte=10) & Q(pain_after__lte=10), name="procedure_nrs_0_10"),
            models.CheckConstraint(condition=Q(percent_relief__lte=100), name="procedure_relief_at_most_100"),
            models.CheckConstraint(
                condition=Q(relief_duration__isnull=True, relief_duration_unit="")
                | (Q(relief_duration__isnull=False) & ~Q(relief_duration_unit="")),
                name="procedure_duration_has_unit",
                violation_error_message=_("Say whether relief lasted hours, days, weeks or months."),
            ),
        ]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")

    def __str__(self) -> str:
        return c.label_of(c.PROCEDURE_TYPES, self.procedure_type)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        _clean_cpt_and_levels(self, errors)
        before, after = self.pain_before, self.pain_after
        if self.percent_relief is None and before and after is not None and after <= before:
            self.percent_relief = round((before - after) * 100 / before)
        if self.relief_duration is None:
            self.relief_duration_unit = ""
        elif not self.relief_duration_unit:
            errors["relief_duration_unit"] = _("Say whether relief lasted hours, days, weeks or months.")
        if errors:
            raise ValidationError(errors)

    @property
    def has_results(self) -> bool:
        return any(getattr(self, name) is not None for name in self.RESULT_FIELDS)

    def status_errors(self) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        if not self.intervention.is_started and self.has_results:
            errors["status"] = _("Results can be recorded once the procedure has been done: set its status.")
        if self.intervention.status == InterventionStatus.DONE and self.intervention.start_date is None:
            errors["start_date"] = _("Give the date the procedure was done.")
        return errors


@dataclass(frozen=True)
class TrialOutcome:
    relief: Decimal | None  # percent, one decimal
    success: bool | None  # by the rule of CLINICAL.md; None while figures are missing
    decision: str
    decision_differs: bool


class NeuromodulationTrial(InterventionDetail):
    """A spinal cord stimulator or intrathecal pump trial, its pain scores and the decision."""

    intervention = models.OneToOneField(Intervention, on_delete=models.CASCADE, related_name="trial")
    device = models.CharField(_("device"), max_length=8, choices=c.DEVICES)
    cpt_code = models.CharField(_("CPT code"), max_length=5, blank=True, help_text=_("The code only."))
    cpt_confirmed = models.BooleanField(_("I checked this code (not on the clinic's list)"), default=False)
    levels = models.JSONField(_("lead levels"), default=list, blank=True)
    baseline_nrs = _nrs_tenths(_("baseline pain (NRS)"))
    trial_nrs = _nrs_tenths(_("pain during the trial (NRS)"))
    analgesic_change = models.CharField(
        _("analgesic use during the trial"), max_length=10, choices=c.ANALGESIC_CHANGES, blank=True
    )
    decision = models.CharField(_("decision"), max_length=12, choices=c.DECISIONS, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(device__in=_codes(c.DEVICES)), name="trial_device_valid"),
            models.CheckConstraint(
                condition=Q(baseline_nrs__gte=0, baseline_nrs__lte=10) | Q(baseline_nrs__isnull=True),
                name="trial_baseline_nrs_0_10",
            ),
            models.CheckConstraint(
                condition=Q(trial_nrs__gte=0, trial_nrs__lte=10) | Q(trial_nrs__isnull=True),
                name="trial_trial_nrs_0_10",
            ),
            models.CheckConstraint(
                condition=Q(trial_nrs__isnull=True) | Q(baseline_nrs__isnull=False), name="trial_result_has_baseline"
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(trial_nrs__isnull=False), name="trial_decision_after_result"
            ),
        ]
        verbose_name = _("neuromodulation trial")
        verbose_name_plural = _("neuromodulation trials")

    def __str__(self) -> str:
        return c.label_of(c.DEVICES, self.device)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        _clean_cpt_and_levels(self, errors)
        if self.trial_nrs is not None and self.baseline_nrs is None:
            errors["baseline_nrs"] = _("Give the baseline pain to compare the trial with.")
        if self.baseline_nrs == 0 and self.trial_nrs is not None:
            errors["baseline_nrs"] = _("A baseline of 0 leaves no pain to relieve: check the value.")
        if self.device == trials.SCS and self.trial_nrs is not None and not self.analgesic_change:
            errors["analgesic_change"] = _("The spinal cord stimulator rule needs the change in analgesic use.")
        if errors:
            raise ValidationError(errors)

    def status_errors(self) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        if not self.intervention.is_started and self.trial_nrs is not None:
            errors["status"] = _("Trial results can be recorded once the trial has started: set its status.")
        if self.decision and self.trial_nrs is None:
            errors["decision"] = _("Record the trial's pain score before deciding.")
        return errors

    @property
    def outcome(self) -> TrialOutcome:
        """Relief, success by the rule of CLINICAL.md, and whether the decision follows it."""
        baseline, trial = self.baseline_nrs, self.trial_nrs
        relief = trials.relief_percent(baseline, trial) if baseline is not None and trial is not None else None
        success = trials.trial_success(
            self.device, baseline=baseline, trial=trial, analgesic_change=self.analgesic_change
        )
        differs = success is not None and self.decision != "" and (self.decision == c.IMPLANT) != success
        return TrialOutcome(relief=relief, success=success, decision=self.decision, decision_differs=differs)


DETAIL_MODELS: dict[str, type[InterventionDetail]] = {
    Modality.MEDICATION: Medication,
    Modality.PROCEDURE: ProcedureDetail,
    Modality.NEUROMODULATION_TRIAL: NeuromodulationTrial,
}
# The reverse accessor of each typed detail on Intervention (select_related names).
DETAIL_ACCESSORS: dict[str, str] = {
    Modality.MEDICATION: "medication",
    Modality.PROCEDURE: "procedure",
    Modality.NEUROMODULATION_TRIAL: "trial",
}
