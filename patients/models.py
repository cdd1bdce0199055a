import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clinics.models import Clinic
from clinics.validators import no_markup

from .text import fold


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not stated")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone call")
    NONE = "none", _("Do not contact")


class PatientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISCHARGED = "discharged", _("Discharged")
    DECEASED = "deceased", _("Deceased")


class ReferralSource(models.TextChoices):
    SELF = "self", _("Self-referred")
    PRIMARY_CARE = "primary_care", _("Primary care")
    SPINE_SURGEON = "spine_surgeon", _("Spine surgeon")
    OTHER_SPECIALIST = "other_specialist", _("Other specialist")
    EMERGENCY = "emergency", _("Emergency department")
    INSURER = "insurer", _("Insurer or workers' compensation")
    OTHER = "other", _("Other")


class SmokingStatus(models.TextChoices):
    NEVER = "never", _("Never smoked")
    FORMER = "former", _("Former smoker")
    CURRENT = "current", _("Current smoker")
    UNKNOWN = "unknown", _("Unknown")


class WorkStatus(models.TextChoices):
    FULL_TIME = "full_time", _("Working full time")
    PART_TIME = "part_time", _("Working part time / modified duties")
    OFF_WORK = "off_work", _("Off work because of pain")
    UNEMPLOYED = "unemployed", _("Unemployed")
    RETIRED = "retired", _("Retired")
    DISABILITY = "disability", _("On disability benefits")
    STUDENT = "student", _("Student / homemaker")
    UNKNOWN = "unknown", _("Unknown")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    FRENCH = "fr", _("French")
    GERMAN = "de", _("German")
    PORTUGUESE = "pt", _("Portuguese")
    CHINESE = "zh", _("Chinese")
    ARABIC = "ar", _("Arabic")
    OTHER = "other", _("Other")


class Patient(models.Model):
    clinic_field = "clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField(
        _("MRN"), max_length=32, validators=[no_markup], help_text=_("Medical record number, unique within the clinic.")
    )
    given_name = models.CharField(_("given name"), max_length=100, validators=[no_markup])
    family_name = models.CharField(_("family name"), max_length=100, validators=[no_markup])
    # Folded (lower-case, unaccented) "given family" for case- and accent-insensitive search on any database.
    search_name = models.CharField(max_length=201, editable=False, db_index=True)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)

    email = models.EmailField(_("email"), blank=True)
    mobile_phone = models.CharField(
        _("mobile phone"),
        max_length=20,
        blank=True,
        validators=[no_markup],
        help_text=_("International format, e.g. +1 555 010 0123."),
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    consent_email = models.BooleanField(_("consents to email"), default=False)
    consent_sms = models.BooleanField(_("consents to SMS"), default=False)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )

    primary_physician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("primary physician"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="primary_patients",
    )
    status = models.CharField(_("status"), max_length=12, choices=PatientStatus.choices, default=PatientStatus.ACTIVE)
    status_date = models.DateField(_("status since"), default=timezone.localdate)
    referral_source = models.CharField(_("referral source"), max_length=20, choices=ReferralSource.choices, blank=True)

    # Risk factors for a poor outcome (CLINICAL.md: smoking, obesity, work status, opioids, mood).
    smoking_status = models.CharField(
        _("smoking"), max_length=10, choices=SmokingStatus.choices, default=SmokingStatus.UNKNOWN
    )
    height_cm = models.DecimalField(
        _("height (cm)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("50")), MaxValueValidator(Decimal("250"))],
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("20")), MaxValueValidator(Decimal("350"))],
    )
    work_status = models.CharField(
        _("work status"), max_length=12, choices=WorkStatus.choices, default=WorkStatus.UNKNOWN
    )
    workers_comp_claim = models.BooleanField(_("workers' compensation claim"), default=False)
    opioid_use_at_intake = models.BooleanField(_("using opioids at intake"), default=False)
    history_of_depression = models.BooleanField(_("history of depression"), default=False)
    history_of_anxiety = models.BooleanField(_("history of anxiety"), default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_name", "updated_at"])

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="patient_mrn_unique_in_clinic"),
            models.CheckConstraint(condition=models.Q(status__in=PatientStatus.values), name="patient_status_valid"),
        ]
        indexes = [models.Index(fields=["clinic", "search_name"], name="patient_clinic_search")]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.search_name = fold(f"{self.given_name} {self.family_name}")
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def bmi(self) -> Decimal | None:
        """Body-mass index, kg/m², to one decimal; None until height and weight are known."""
        if not self.height_cm or not self.weight_kg:
            return None
        metres = self.height_cm / 100
        return (self.weight_kg / (metres * metres)).quantize(Decimal("0.1"))

    @property
    def is_smoker(self) -> bool:
        return self.smoking_status == SmokingStatus.CURRENT
