"""Treatment plans: a patient's multidisciplinary plan, its goals, care team and interventions.

Interventions live in one table: the fields every kind shares (modality, status, dates, notes)
are columns, and the fields of each kind sit in ``details``, a JSON object validated against the
kind's schema in ``treatments.kinds`` on every ``full_clean``. One table keeps the plan and chart
pages at a fixed number of queries and lets a new kind arrive without a migration.
"""

from __future__ import annotations

import uuid
from datetime import date
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clinics.roles import Discipline
from clinics.validators import no_markup
from patients.models import Patient


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "discontinued", _("Discontinued")


CLOSED_STATUSES = frozenset({PlanStatus.COMPLETED, PlanStatus.DISCONTINUED})


class TreatmentPlan(models.Model):
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
                condition=Q(status="active"),
                name="treatmentplan_one_active_per_patient",
                violation_error_message=_(
                    "This patient already has an active plan. Complete or discontinue it before activating another."
                ),
                violation_error_code="one_active_plan",
            ),
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="treatmentplan_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="discontinued") | ~Q(discontinued_reason=""),
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


class GoalKind(models.TextChoices):
    PAIN = "pain", _("Pain (NRS 0-10)")
    FUNCTION = "function", _("Function (ODI 0-100)")
    RETURN_TO_WORK = "return_to_work", _("Return to work")
    ACTIVITIES = "activities", _("Return to named activities")
    OPIOID_REDUCTION = "opioid_reduction", _("Opioid reduction (MME/day)")
    OTHER = "other", _("Other")


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    PARTLY = "partly", _("Partly achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    DROPPED = "dropped", _("Dropped")


# The range a numeric target must lie in, per goal kind (None: no number for this kind).
GOAL_RANGES: dict[str, tuple[int, int] | None] = {
    GoalKind.PAIN: (0, 10),
    GoalKind.FUNCTION: (0, 100),
    GoalKind.RETURN_TO_WORK: None,
    GoalKind.ACTIVITIES: None,
    GoalKind.OPIOID_REDUCTION: (0, 1000),
    GoalKind.OTHER: (0, 100000),
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
        if errors:
            raise ValidationError(errors)


class Modality(models.TextChoices):
    MEDICATION = "medication", _("Medication")
    PHYSICAL_THERAPY = "physical_therapy", _("Physical therapy")
    PROCEDURE = "procedure", _("Interventional procedure")
    NEUROMODULATION_TRIAL = "neuromodulation_trial", _("Neuromodulation trial")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    COMPLEMENTARY = "complementary", _("Complementary therapy")
    SURGICAL_REVISION = "surgical_revision", _("Surgical revision")
    LIFESTYLE = "lifestyle", _("Lifestyle")
    OPIOID_TAPER = "opioid_taper", _("Opioid taper or detox")


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    STOPPED = "stopped", _("Stopped")


ENDED_STATUSES = frozenset({InterventionStatus.DONE, InterventionStatus.STOPPED})


class Intervention(models.Model):
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
    details = models.JSONField(_("details"), default=dict, blank=True)
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
    def discipline(self) -> str:
        from .kinds import discipline_of

        return discipline_of(self.modality)

    @cached_property
    def values(self) -> dict[str, Any]:
        """``details`` with its values typed (Decimal, date, int), for display and computation."""
        from .kinds import read

        return read(self.modality, self.details)

    def clean(self) -> None:
        from .kinds import validate

        if self.modality not in Modality.values:
            return  # the field's own choices validation reports it
        self.details = validate(self)
        if "values" in self.__dict__:
            del self.__dict__["values"]
