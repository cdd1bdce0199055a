"""The clinic's calendar: providers' hours and leave, appointment types, rooms, appointments, and
the front desk's worklist of follow-ups to book.

Times: ``Appointment.starts_at`` / ``ends_at`` are stored in UTC (USE_TZ) and entered and shown in
the clinic's own zone (``Clinic.time_zone``). Working hours and leave are wall-clock times of the
clinic's zone, so a 09:00 start stays 09:00 across a daylight-saving change.

No double booking: on PostgreSQL two exclusion constraints (migration 0002) refuse overlapping
appointments of one provider or one room; ``services.book`` runs the same overlap query first, so
the SQLite demo (one writer at a time: IMMEDIATE transactions) keeps the rule too.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
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
from clinics.models import Clinic
from clinics.roles import Role
from clinics.validators import no_markup
from patients.models import ChoiceLabels, Patient


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    """One block of a provider's regular week at one clinic (several blocks a day are fine)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="working_hours")
    provider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["provider_id", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="workinghours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="workinghours_weekday_valid"),
            models.UniqueConstraint(
                fields=["clinic", "provider", "weekday", "start"], name="workinghours_unique_block"
            ),
        ]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return f"{self.provider_id} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class ScheduleException(models.Model):
    """Leave, a holiday or training: a provider (or, without one, the whole clinic) is away.

    Without times the whole day is off; with times only that part of each day.
    """

    class Kind(models.TextChoices):
        LEAVE = "leave", _("Leave")
        HOLIDAY = "holiday", _("Public holiday")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="schedule_exceptions")
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="schedule_exceptions",
        help_text=_("Leave empty when the whole clinic is closed."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.LEAVE)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[no_markup])

    history = HistoricalRecords()

    class Meta:
        ordering = ["first_day", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="scheduleexception_last_after_first"
            ),
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False) & Q(end__isnull=False) & Q(end__gt=models.F("start"))),
                name="scheduleexception_partial_day_valid",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "first_day", "last_day"], name="schedexc_clinic_days")]
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.first_day}-{self.last_day}"

    @property
    def is_whole_day(self) -> bool:
        return self.start is None


class AppointmentType(models.Model):
    """What an appointment is for, per clinic: its default length and the roles that provide it."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="appointment_types")
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=80, validators=[no_markup])
    minutes = models.PositiveSmallIntegerField(
        _("default length (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    # clinics.roles.Role values.
    roles = models.JSONField(_("provided by"), default=list)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "key"], name="appointmenttype_key_unique_in_clinic")]
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.roles, list) or not self.roles or any(r not in Role.values for r in self.roles):
            raise ValidationError({"roles": _("Choose at least one role that provides this type.")})

    def provided_by(self, role: str) -> bool:
        return role in self.roles


class Room(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=60, validators=[no_markup])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="room_name_unique_in_clinic")]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")

    def __str__(self) -> str:
        return self.name


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    RESCHEDULED = "rescheduled", _("Rescheduled")


# The statuses that hold a slot: the exclusion constraints (migration 0002) use the same list.
BLOCKING_STATUSES = (
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
)
# Still to happen: a reminder is wanted, the patient may still confirm or cancel.
UPCOMING_STATUSES = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)


class Appointment(ChoiceLabels, models.Model):
    clinic_field = "clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="appointments"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField(_("start"))
    minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    # Stored (not computed) so the database can index and constrain the slot.
    ends_at = models.DateTimeField(_("end"), editable=False)
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    intervention = models.ForeignKey(
        "treatments.Intervention",
        verbose_name=_("plan intervention"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
    )
    follow_up = models.ForeignKey(
        "FollowUp", on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True, validators=[no_markup])
    cancelled_by = staff_ref()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rescheduled_to"
    )
    override_reason = models.CharField(
        _("reason for the exception"),
        max_length=300,
        blank=True,
        validators=[no_markup],
        help_text=_("Why this booking is outside working hours, on leave, or for a discharged patient."),
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(status=AppointmentStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="appointment_cancel_has_reason",
                violation_error_message=_("Give the reason for cancelling."),
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "starts_at"], name="appointment_clinic_start"),
            models.Index(fields=["provider", "starts_at"], name="appointment_provider_start"),
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_start"),
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.appointment_type_id} @ {self.starts_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.ends_at = self.compute_end()
        super().save(*args, **kwargs)

    def compute_end(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes or 0)

    def clean(self) -> None:
        if self.starts_at and self.minutes:
            self.ends_at = self.compute_end()

    @property
    def owner_ref(self) -> str:
        """How the outbox and patient links name this appointment (reminders hang off it)."""
        return f"scheduling.appointment:{self.pk}"

    @property
    def holds_slot(self) -> bool:
        return self.status in BLOCKING_STATUSES

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_upcoming(self) -> bool:
        return self.status in UPCOMING_STATUSES

    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.clinic.tz)

    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.clinic.tz)


# --- The worklist -------------------------------------------------------------------------------


class FollowUpEvent(models.TextChoices):
    """What in a patient's plan makes a follow-up due (the rule engine's keys)."""

    INJECTION = "injection", _("Injection recorded")
    RFA = "rfa", _("Radiofrequency ablation recorded")
    SCS_TRIAL = "scs_trial", _("Spinal cord stimulator trial")
    IMPLANT = "implant", _("Implant recorded")
    PLAN_REVIEW = "plan_review", _("Plan activated (review date)")
    PHYSICAL_THERAPY = "physical_therapy", _("Physical therapy sessions planned")
    PSYCHOLOGY = "psychology", _("Psychology sessions planned")


class FollowUpRule(models.Model):
    """A clinic's rule: when ``event`` happens, a follow-up of ``appointment_type`` is due after
    ``offset_days`` (within ``window_days``). Defaults are made per clinic on first use
    (``rules.DEFAULT_RULES``); the clinic admin edits them in the admin."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="follow_up_rules")
    event = models.CharField(_("event"), max_length=20, choices=FollowUpEvent.choices)
    offset_days = models.SmallIntegerField(
        _("due after (days)"), default=14, validators=[MinValueValidator(-365), MaxValueValidator(365)]
    )
    window_days = models.PositiveSmallIntegerField(
        _("window (days)"), default=0, validators=[MaxValueValidator(90)],
        help_text=_("How many days after the due date the visit may still take place."),
    )  # fmt: skip
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(
        _("worklist text"),
        max_length=120,
        validators=[no_markup],
        help_text=_("What the front desk reads: no clinical detail (e.g. 'Follow-up after procedure')."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic_id", "event"]
        constraints = [models.UniqueConstraint(fields=["clinic", "event"], name="followuprule_one_per_event")]
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")

    def __str__(self) -> str:
        return f"{self.get_event_display()}: +{self.offset_days} d"


class FollowUpKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Follow-up due")
    NO_SHOW = "no_show", _("No-show: call back")
    FAILED_REMINDER = "failed_reminder", _("Reminder failed")
    CANCEL_REQUEST = "cancel_request", _("Asked to cancel")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    BOOKED = "booked", _("Booked")
    CLOSED = "closed", _("Closed")


class FollowUp(ChoiceLabels, models.Model):
    """One line of the front desk's worklist: something to book or someone to call.

    ``source_key`` names what the item was derived from (``intervention:12``, ``plan:4``,
    ``appointment:9``); with ``kind`` it is unique per patient, so deriving again never duplicates.
    """

    clinic_field = "clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="follow_ups")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("kind"), max_length=20, choices=FollowUpKind.choices)
    event = models.CharField(_("event"), max_length=20, choices=FollowUpEvent.choices, blank=True)
    due_date = models.DateField(_("due"))
    reason = models.CharField(_("reason"), max_length=200, validators=[no_markup])
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    provider = staff_ref(on_delete=models.SET_NULL)
    source_key = models.CharField(max_length=60)
    source_intervention = models.ForeignKey(
        "treatments.Intervention", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    source_plan = models.ForeignKey(
        "treatments.TreatmentPlan", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    source_appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="booked_follow_ups"
    )
    # "source_gone": closed by the rules (plan or patient closed); "dismissed": by a person.
    closed_reason = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "kind", "source_key"], name="followup_once_per_source"),
            models.CheckConstraint(condition=Q(kind__in=FollowUpKind.values), name="followup_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=FollowUpStatus.values), name="followup_status_valid"),
        ]
        indexes = [models.Index(fields=["clinic", "status", "due_date"], name="followup_clinic_status_due")]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_date}"

    @property
    def is_open(self) -> bool:
        return self.status == FollowUpStatus.OPEN


# --- Reminders ----------------------------------------------------------------------------------


def default_reminder_hours() -> list[int]:
    return [48, 2]


MAX_REMINDERS = 4
MAX_REMINDER_HOURS = 14 * 24


class ClinicReminderSettings(models.Model):
    """When a clinic's appointment reminders leave (``scheduling/reminders.py``); the clinic admin
    edits them on the follow-up rules page. A clinic without a row uses the defaults."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="reminder_settings")
    hours_before = models.JSONField(
        _("reminders (hours before the appointment)"), default=default_reminder_hours, blank=True
    )
    quiet_start = models.TimeField(
        _("no SMS from"), default=time(21, 0), help_text=_("Clinic time. The same start and end: no quiet hours.")
    )
    quiet_end = models.TimeField(_("no SMS until"), default=time(8, 0))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return f"reminders of clinic {self.clinic_id}"

    def clean(self) -> None:
        hours = self.hours_before
        if (
            not isinstance(hours, list)
            or len(hours) > MAX_REMINDERS
            or any(not isinstance(h, int) or isinstance(h, bool) or not 1 <= h <= MAX_REMINDER_HOURS for h in hours)
            or len(set(hours)) != len(hours)
        ):
            raise ValidationError(
                {"hours_before": _("Give up to %(n)s different whole hours between 1 and %(max)s.")
                 % {"n": MAX_REMINDERS, "max": MAX_REMINDER_HOURS}}
            )  # fmt: skip

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start != self.quiet_end

    def is_quiet(self, at: time) -> bool:
        """Whether ``at`` (clinic wall-clock time) is in the quiet hours, which may span midnight."""
        if not self.has_quiet_hours:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= at < self.quiet_end
        return at >= self.quiet_start or at < self.quiet_end
