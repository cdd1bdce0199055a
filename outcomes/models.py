"""Instruments and their versions, as loaded from ``outcomes/instruments/`` (see its README.md).

A version is immutable once loaded: its definition is kept exactly as validated, with a checksum,
so a response given under it can always be re-read and re-scored the way it was scored.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from clinics.fields import staff_ref
from clinics.models import Clinic
from patients.models import Patient

from .definitions import InstrumentDefinition


def default_reminder_days() -> list[int]:
    return [3, 7]


def default_crisis_text() -> str:
    # Neutral on purpose: the clinic must put its own local crisis line here.
    return (
        "If you are thinking about harming yourself, please do not wait: call your local emergency "
        "number now, or go to the nearest emergency department. Your clinic has been told and will "
        "contact you. (Clinic: set your local crisis resources in the survey settings.)"
    )


class Instrument(models.Model):
    key = models.SlugField(_("key"), max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.key


class VersionSource(models.TextChoices):
    SHIPPED = "shipped", _("Shipped with the platform")
    IMPORTED = "imported", _("Imported licensed text")


class InstrumentVersion(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(_("version"), max_length=32)
    definition = models.JSONField(_("definition"))
    checksum = models.CharField(_("checksum"), max_length=64)
    source = models.CharField(_("source"), max_length=10, choices=VersionSource.choices)
    # A placeholder version (the shipped ODI) is for the demo and tests, never for patients.
    placeholder = models.BooleanField(_("placeholder text"), default=False)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["instrument__key", "loaded_at", "pk"]
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "version"], name="outcomes_version_unique"),
            models.CheckConstraint(
                condition=models.Q(checksum__regex=r"^[0-9a-f]{64}$"), name="outcomes_version_checksum_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.key} {self.version}"

    def parsed(self) -> InstrumentDefinition:
        """The stored definition as the typed model scoring takes (validated again, cached per row)."""
        cached: InstrumentDefinition | None = getattr(self, "_parsed", None)
        if cached is None:
            cached = InstrumentDefinition.model_validate(self.definition)
            self._parsed = cached
        return cached


class Response(models.Model):
    """One patient's answers to one instrument version. Open (answers may still change) until submitted.

    The version is the one the patient was shown: it is never swapped for a newer one, so the
    response is re-read and re-scored exactly as it was given.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outcome_responses")
    instrument_version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="responses")
    language = models.CharField(_("language"), max_length=16, default="en")
    # The survey invitation it answers (None: entered otherwise, e.g. in tests or by staff).
    invitation = models.ForeignKey(
        "SurveyInvitation", on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("outcome response")
        verbose_name_plural = _("outcome responses")
        indexes = [models.Index(fields=["patient", "submitted_at"], name="outcomes_resp_patient_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "instrument_version"],
                condition=models.Q(invitation__isnull=False),
                name="outcomes_response_one_per_invitation",
            ),
        ]

    def __str__(self) -> str:
        return f"response {self.public_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(models.Model):
    """One item's answer: an option's value, or a scale's number, as text (checked against the definition)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item_key = models.CharField(_("item"), max_length=40)
    value = models.CharField(_("value"), max_length=40)

    class Meta:
        ordering = ["response", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item_key"], name="outcomes_answer_one_per_item"),
            models.CheckConstraint(condition=~models.Q(value=""), name="outcomes_answer_not_empty"),
        ]

    def __str__(self) -> str:
        return self.item_key


class ResponseScore(models.Model):
    """A score of a submitted response (an instrument may have several: PHQ-9 and PHQ-2)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="scores")
    key = models.CharField(_("score"), max_length=40)
    scorable = models.BooleanField(_("scorable"))
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=1, null=True, blank=True)
    band = models.CharField(_("band"), max_length=40, blank=True)
    responder = models.BooleanField(_("responder"), null=True, blank=True)
    reason = models.CharField(_("why not scorable"), max_length=300, blank=True)
    # Against the patient's earlier scores of the same instrument and key (stored at submit time).
    change_from_baseline = models.DecimalField(
        _("change from baseline"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    change_from_previous = models.DecimalField(
        _("change from previous"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    improved = models.BooleanField(_("meaningfully improved"), null=True, blank=True)
    worsened = models.BooleanField(_("meaningfully worse"), null=True, blank=True)

    class Meta:
        ordering = ["response", "pk"]
        indexes = [
            # The outcomes report reaches a clinic's scores from its responses: an index-only scan of
            # the scorable ones, with the columns it aggregates (INCLUDE is PostgreSQL's; SQLite
            # makes a plain partial index).
            models.Index(
                fields=["response"],
                include=["key", "improved", "change_from_baseline"],
                condition=models.Q(scorable=True),
                name="outcomes_score_report_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["response", "key"], name="outcomes_score_one_per_key"),
            models.CheckConstraint(
                condition=models.Q(scorable=True, total__isnull=False)
                | models.Q(scorable=False, total__isnull=True, band=""),
                name="outcomes_score_total_iff_scorable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.total}"


# --- Schedules, invitations, alerts --------------------------------------------------------------


class AnchorKind(models.TextChoices):
    ENROLMENT = "enrolment", _("Enrolment")
    PLAN_ACTIVATION = "plan_activation", _("Treatment plan activation")
    PROCEDURE = "procedure", _("A procedure done (e.g. stimulator implant)")


class SurveySchedule(models.Model):
    """A clinic's survey schedule: waves of instruments at days after an anchor date."""

    clinic_field = "clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="survey_schedules")
    name = models.CharField(_("name"), max_length=120)
    anchor_kind = models.CharField(_("anchor"), max_length=20, choices=AnchorKind.choices, default=AnchorKind.ENROLMENT)
    # For a procedure anchor: which procedure types start it (treatments' procedure_type values), e.g. ["scs_implant"].
    procedure_types = models.JSONField(_("procedure types"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    max_reminders = models.PositiveSmallIntegerField(_("reminders at most"), default=2)
    # Days after the wave opens on which reminders go, the first max_reminders of them.
    reminder_days = models.JSONField(_("reminder days after opening"), default=default_reminder_days)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic", "name"]
        verbose_name = _("survey schedule")
        verbose_name_plural = _("survey schedules")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="outcomes_schedule_name_unique"),
            models.CheckConstraint(condition=models.Q(anchor_kind__in=AnchorKind.values), name="outcomes_schedule_anchor_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class SurveyWave(models.Model):
    """One time point of a schedule: which instruments, ``offset_days`` after the anchor, open ``window_days``."""

    schedule = models.ForeignKey(SurveySchedule, on_delete=models.CASCADE, related_name="waves")
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=80)
    offset_days = models.PositiveIntegerField(_("days after the anchor"))
    window_days = models.PositiveSmallIntegerField(_("open for (days)"), default=14)
    instruments = models.JSONField(_("instruments"), default=list, help_text=_("Instrument keys, in the order asked."))
    is_baseline = models.BooleanField(_("baseline"), default=False)

    class Meta:
        ordering = ["schedule", "offset_days", "pk"]
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "key"], name="outcomes_wave_key_unique"),
            models.UniqueConstraint(fields=["schedule", "offset_days"], name="outcomes_wave_offset_unique"),
            models.CheckConstraint(condition=models.Q(window_days__gte=1), name="outcomes_wave_window_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class PatientSurveyPreference(models.Model):
    """The per-patient "stop surveys" switch (kept here so ``patients`` need not know of surveys)."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="survey_preference")
    stop_surveys = models.BooleanField(_("stop surveys"), default=False)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    changed_by = staff_ref(on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("survey preference")
        verbose_name_plural = _("survey preferences")

    def __str__(self) -> str:
        return f"survey preference {self.pk}"


class SurveyEnrolment(models.Model):
    """A patient on a schedule from an anchor date; its invitations are one per wave."""

    clinic_field = "patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="survey_enrolments")
    schedule = models.ForeignKey(SurveySchedule, on_delete=models.PROTECT, related_name="enrolments")
    anchor_date = models.DateField(_("anchor date"))
    source_kind = models.CharField(_("anchor"), max_length=20, choices=AnchorKind.choices, default=AnchorKind.ENROLMENT)
    plan = models.ForeignKey(
        "treatments.TreatmentPlan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    intervention = models.ForeignKey(
        "treatments.Intervention", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = staff_ref(on_delete=models.SET_NULL)

    class Meta:
        ordering = ["anchor_date", "pk"]
        verbose_name = _("survey enrolment")
        verbose_name_plural = _("survey enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "schedule"], condition=models.Q(active=True), name="outcomes_enrolment_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"enrolment {self.public_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Not open yet")
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


FINAL_INVITATION_STATUSES = frozenset({InvitationStatus.COMPLETED, InvitationStatus.EXPIRED, InvitationStatus.CANCELLED})


class SurveyInvitation(models.Model):
    """One wave of one enrolment: due on ``due_date``, answerable from ``opens_at`` until ``expires_at``.

    Its links are ``notifications.links`` tokens with owner ``outcomes.surveyinvitation:<pk>``
    (only their hashes are stored there); ``link_token_hash`` is the latest one issued.
    """

    clinic_field = "patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey(SurveyEnrolment, on_delete=models.CASCADE, related_name="invitations")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="survey_invitations")
    wave = models.ForeignKey(SurveyWave, on_delete=models.PROTECT, related_name="invitations")
    due_date = models.DateField(_("due date"))
    opens_at = models.DateTimeField(_("opens at"))
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(_("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    language = models.CharField(_("language"), max_length=16, default="en")
    invited_at = models.DateTimeField(_("invitation queued at"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders queued"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    link_token_hash = models.CharField(_("latest link (hash)"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "wave"], name="outcomes_invitation_one_per_wave"),
            models.CheckConstraint(condition=models.Q(status__in=InvitationStatus.values), name="outcomes_invitation_status_valid"),
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("opens_at")), name="outcomes_invitation_window"),
            models.CheckConstraint(
                condition=~models.Q(status=InvitationStatus.COMPLETED) | models.Q(completed_at__isnull=False),
                name="outcomes_invitation_completed_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "opens_at"], name="outcomes_inv_status_opens"),
            models.Index(fields=["patient", "due_date"], name="outcomes_inv_patient_due"),
        ]

    def __str__(self) -> str:
        return f"invitation {self.public_id}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_INVITATION_STATUSES


class ClinicSurveySettings(models.Model):
    """What a clinic shows patients with a safety answer (crisis resources)."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="survey_settings")
    crisis_text = models.TextField(_("crisis resources text"), max_length=2000, default=default_crisis_text)
    crisis_phone = models.CharField(_("crisis phone"), max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("clinic survey settings")
        verbose_name_plural = _("clinic survey settings")

    def __str__(self) -> str:
        return f"survey settings {self.clinic_id}"


class AlertLevel(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    ATTENTION = "attention", _("Needs attention")


class SafetyAlert(models.Model):
    """An alert rule of an instrument met by an answer (PHQ-9 item 9 above 0). Open until acknowledged."""

    clinic_field = "patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_alerts")
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=40)
    level = models.CharField(_("level"), max_length=10, choices=AlertLevel.choices, default=AlertLevel.URGENT)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    acknowledged_by = staff_ref()
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("safety alert")
        verbose_name_plural = _("safety alerts")
        constraints = [
            models.UniqueConstraint(fields=["response", "kind"], name="outcomes_alert_one_per_rule"),
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | models.Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="outcomes_alert_ack_pair",
            ),
        ]
        indexes = [models.Index(fields=["patient", "acknowledged_at"], name="outcomes_alert_open_idx")]

    def __str__(self) -> str:
        return f"alert {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
