from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from clinics.fields import staff_ref
from clinics.models import Clinic
from clinics.records import EnteredInError
from clinics.validators import no_markup

from .choices import (
    BLOOD_TEST_LIMITS,
    BloodTest,
    BloodUnit,
    Channel,
    Chronicity,
    Complication,
    EvaluationKind,
    FailureCause,
    FindingSide,
    FusionApproach,
    Hardware,
    ImagingFinding,
    Language,
    PainGenerator,
    PatientStatus,
    Procedure,
    ReferralSource,
    Sex,
    Side,
    SmokingStatus,
    WorkStatus,
)
from .evaluations import registry
from .spine import DISC_CHOICES, DISC_LEVELS, LEVEL_CHOICES, LEVELS
from .text import fold


class ChoiceLabels:
    """A model mixin: ``get_FOO_display()`` looks the label up in a dict built once per field.

    Django rebuilds ``dict(make_hashable(field.flatchoices))`` on every call; the chart, the day
    view and the lists call it hundreds of times a page. Same result: the label (translated when
    shown, as the choices hold lazy strings), or the stored value when it is not a choice. Only for
    fields whose choices are fixed when the model class is made (no callable choices).
    """

    def _get_FIELD_display(self, field: models.Field) -> Any:  # noqa: N802 - Django's name
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


_CHOICE_LABELS: dict[models.Field, dict[Any, Any]] = {}


class Patient(ChoiceLabels, models.Model):
    clinic_field = "clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField(
        _("MRN"),
        max_length=32,
        validators=[no_markup],
        help_text=_("Medical record number, unique within the clinic. Leave empty to get the clinic's next number."),
    )
    given_name = models.CharField(_("given name"), max_length=100, validators=[no_markup])
    family_name = models.CharField(_("family name"), max_length=100, validators=[no_markup])
    # Folded (lower-case, unaccented) "family given": case- and accent-insensitive search and sorting
    # by name on any database (Á sorts with A, not after Z).
    search_name = models.CharField(max_length=201, editable=False, db_index=True)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)

    email = models.EmailField(_("email"), blank=True)
    # Stored in E.164 (+12015550123); a number typed without a country code is read in
    # PHONENUMBER_DEFAULT_REGION.
    mobile_phone = PhoneNumberField(
        _("mobile phone"),
        blank=True,
        help_text=_("With the country code for a number abroad, e.g. +46 70 123 45 67."),
    )
    # Nobody is contacted until a channel with its consent is chosen.
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.NONE
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
    # The risk factors above are clinical data (clinics.roles): read with VIEW_CLINICAL, written
    # with EDIT_CLINICAL; the front desk and the clinic admin neither see nor change them.
    RISK_FACTOR_FIELDS: ClassVar[tuple[str, ...]] = (
        "smoking_status", "height_cm", "weight_kg", "work_status", "workers_comp_claim",
        "opioid_use_at_intake", "history_of_depression", "history_of_anxiety",
    )  # fmt: skip

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_name", "updated_at"])

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "mrn"],
                name="patient_mrn_unique_in_clinic",
                violation_error_message=_("Another patient of this clinic has this MRN."),
            ),
            models.CheckConstraint(condition=models.Q(status__in=PatientStatus.values), name="patient_status_valid"),
        ]
        indexes = [models.Index(fields=["clinic", "search_name"], name="patient_clinic_search")]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = fold(f"{self.family_name} {self.given_name}")
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

    @property
    def is_active(self) -> bool:
        return self.status == PatientStatus.ACTIVE

    def validate_constraints(self, exclude: Any = None) -> None:
        # A taken MRN is said once, on the MRN field (a constraint on two fields says it at the top).
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            mrn_taken = [e for e in general if getattr(e, "code", "") == "unique" or "MRN" in str(e.message)]
            if mrn_taken:
                errors.setdefault("mrn", []).extend(mrn_taken)
            rest = [e for e in general if e not in mrn_taken]
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from exc

    def clean(self) -> None:
        """The contact rules: a channel needs its address and the patient's consent to it."""
        errors: dict[str, list] = {}
        phone = self.mobile_phone
        has_phone = bool(phone) and getattr(phone, "is_valid", lambda: False)()
        texts = has_phone and can_receive_sms(phone)
        if self.consent_email and not self.email:
            errors.setdefault("email", []).append(_("An email address is needed to contact the patient by email."))
        if self.consent_sms and not phone:
            errors.setdefault("mobile_phone", []).append(_("A mobile number is needed to contact the patient by SMS."))
        elif has_phone and not texts and (self.consent_sms or self.preferred_channel == Channel.SMS):
            errors.setdefault("mobile_phone", []).append(_("This is a landline number: SMS needs a mobile number."))
        if self.preferred_channel == Channel.EMAIL:
            if not self.email or not self.consent_email:
                errors.setdefault("preferred_channel", []).append(
                    _("Email as the preferred channel needs an email address and the patient's consent to email.")
                )
        elif self.preferred_channel == Channel.SMS:
            if not texts or not self.consent_sms:
                errors.setdefault("preferred_channel", []).append(
                    _("SMS as the preferred channel needs a mobile number and the patient's consent to SMS.")
                )
        elif self.preferred_channel == Channel.PHONE and not phone:
            errors.setdefault("preferred_channel", []).append(
                _("Phone calls as the preferred channel need a phone number.")
            )
        if errors:
            raise ValidationError(errors)


def can_receive_sms(number: Any) -> bool:
    """A number that can receive SMS: a mobile number, or one the numbering plan does not tell
    apart from a landline (in North America both share area codes)."""
    import phonenumbers

    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


class PatientNumbering(models.Model):
    """A clinic's sequence of medical record numbers (one row per clinic, locked while assigning).

    Assigned MRNs are the prefix and the number zero-padded to ``digits`` ("000123" by default);
    a clinic with its own numbering types its MRNs in instead, and a number already taken by hand
    is skipped.
    """

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, primary_key=True, related_name="+")
    prefix = models.CharField(_("MRN prefix"), max_length=8, blank=True, validators=[no_markup])
    digits = models.PositiveSmallIntegerField(
        _("digits"), default=6, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("MRN numbering")

    def __str__(self) -> str:
        return self.format(self.last_number)

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"


TEXT_MAX = 4000  # free-text notes and impressions: a long report paragraph, not a whole report


def _labels(values: object, choices: type[models.TextChoices]) -> list[str]:
    names = dict(choices.choices)
    return [str(names.get(v, v)) for v in values] if isinstance(values, list) else []


def _check_choices(value: object, choices: type[models.TextChoices], field: str, errors: dict[str, list]) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.setdefault(field, []).append(_("Choose from the list."))
        return
    unknown = sorted(set(value) - set(choices.values))
    if unknown:
        errors.setdefault(field, []).append(_("Choose from the list."))


# Further back than this a date of the record is a typo (the oldest patients are about this old).
MAX_YEARS_BACK = 120


def earliest_record_day() -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - MAX_YEARS_BACK, day=1)


def _check_clinical_day(day: date, patient: Patient | None, field: str, errors: dict[str, list]) -> None:
    """One message per date: in the future, before the patient's birth, or absurdly far back."""
    if day > timezone.localdate():
        errors.setdefault(field, []).append(_("The date cannot be in the future."))
    elif patient is not None and patient.date_of_birth and day < patient.date_of_birth:
        errors.setdefault(field, []).append(_("The date cannot be before the patient's date of birth."))
    elif day < earliest_record_day():
        errors.setdefault(field, []).append(
            _("The date is more than %(years)d years ago: check the year.") % {"years": MAX_YEARS_BACK}
        )


class EnteredRecord(ChoiceLabels, EnteredInError):
    """Abstract: a clinical record of the chart, with who entered it and when (and the error mark)."""

    created_by = staff_ref(_("entered by"), editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PriorSurgery(EnteredRecord):
    """A spine operation the patient had before coming to the clinic.

    The date may be partial (CLINICAL.md: patients often remember only the year): ``date_year``
    is required, ``date_month`` and ``date_day`` optional, in that order. ``sort_date`` is the
    earliest day the partial date allows, kept for ordering and the timeline.
    """

    clinic_field = "patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="prior_surgeries")
    date_year = models.PositiveSmallIntegerField(_("year"))
    date_month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    date_day = models.PositiveSmallIntegerField(_("day"), null=True, blank=True)
    sort_date = models.DateField(editable=False)
    procedure = models.CharField(_("procedure"), max_length=20, choices=Procedure.choices)
    fusion_approach = models.CharField(_("fusion approach"), max_length=20, choices=FusionApproach.choices, blank=True)
    levels = models.JSONField(_("levels"), default=list, blank=True)
    hardware = models.JSONField(_("hardware"), default=list, blank=True)
    surgeon = models.CharField(_("surgeon"), max_length=120, blank=True, validators=[no_markup])
    facility = models.CharField(_("facility"), max_length=120, blank=True, validators=[no_markup])
    complications = models.JSONField(_("complications"), default=list, blank=True)
    failure_causes = models.JSONField(_("suspected causes of failure"), default=list, blank=True)
    notes = models.TextField(_("notes"), max_length=TEXT_MAX, blank=True, validators=[no_markup])

    history = HistoricalRecords(excluded_fields=["sort_date", "updated_at"])

    class Meta:
        ordering = ["-sort_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_month__isnull=True) | models.Q(date_month__gte=1, date_month__lte=12),
                name="surgery_month_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(date_day__isnull=True)
                | models.Q(date_month__isnull=False, date_day__gte=1, date_day__lte=31),
                name="surgery_day_needs_month",
            ),
            models.CheckConstraint(condition=models.Q(procedure__in=Procedure.values), name="surgery_procedure_valid"),
        ]
        verbose_name = _("prior surgery")
        verbose_name_plural = _("prior surgeries")

    def __str__(self) -> str:
        return f"{self.get_procedure_display()} {self.date_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        bounds = self._partial_bounds()
        if bounds is not None:
            self.sort_date = bounds[0]
        super().save(*args, **kwargs)

    @property
    def date_label(self) -> str:
        """ "2014", "2014-06" or "2014-06-03": as precise as what the patient remembers."""
        if self.date_month is None:
            return f"{self.date_year}"
        if self.date_day is None:
            return f"{self.date_year}-{self.date_month:02d}"
        return f"{self.date_year}-{self.date_month:02d}-{self.date_day:02d}"

    @property
    def hardware_labels(self) -> list[str]:
        return _labels(self.hardware, Hardware)

    @property
    def complication_labels(self) -> list[str]:
        return _labels(self.complications, Complication)

    @property
    def failure_cause_labels(self) -> list[str]:
        return _labels(self.failure_causes, FailureCause)

    @property
    def is_partial_date(self) -> bool:
        return self.date_day is None

    @property
    def levels_label(self) -> str:
        from .spine import span

        try:
            return span(self.levels)
        except Exception:  # noqa: BLE001 - a stored oddity must not break the chart
            return ", ".join(map(str, self.levels))

    def _partial_bounds(self) -> tuple[date, date] | None:
        """The first and last day the partial date allows, or None if it is not a real date."""
        import calendar

        year, month, day = self.date_year, self.date_month, self.date_day
        if not year or not 1 <= year <= 9999:
            return None
        try:
            if month is None:
                return date(year, 1, 1), date(year, 12, 31)
            if day is None:
                return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
            return date(year, month, day), date(year, month, day)
        except ValueError:
            return None

    def clean(self) -> None:
        from .spine import is_contiguous, ordered

        errors: dict[str, list] = {}
        if self.date_day is not None and self.date_month is None:
            errors.setdefault("date_month", []).append(_("Give the month too, or leave the day empty."))
        bounds = self._partial_bounds()
        # A missing or refused year already has its own message: say nothing more about the date.
        if bounds is None and "date_month" not in errors and self.date_year:
            errors.setdefault("date_day", []).append(_("This is not a real date."))
        elif bounds is not None:
            first, last = bounds
            patient = self.patient if self.patient_id else None
            if first > timezone.localdate():
                errors.setdefault("date_year", []).append(_("The surgery date cannot be in the future."))
            elif patient is not None and last < patient.date_of_birth:
                errors.setdefault("date_year", []).append(
                    _("The surgery date cannot be before the patient's date of birth.")
                )
            elif last < earliest_record_day():
                errors.setdefault("date_year", []).append(
                    _("The surgery date is more than %(years)d years ago: check the year.") % {"years": MAX_YEARS_BACK}
                )
            self.sort_date = first

        levels = self.levels
        if not isinstance(levels, list) or not all(isinstance(v, str) for v in levels):
            errors.setdefault("levels", []).append(_("Choose levels from C1 to S1."))
        else:
            try:
                self.levels = ordered(levels)
            except ValidationError as exc:
                errors.setdefault("levels", []).extend(exc.messages)
            else:
                if self.procedure == Procedure.FUSION:
                    if len(self.levels) < 2:
                        errors.setdefault("levels", []).append(
                            _("A fusion joins at least two adjacent vertebrae: choose two or more levels.")
                        )
                    elif not is_contiguous(self.levels):
                        errors.setdefault("levels", []).append(
                            _("The levels of a fusion must be adjacent (for example L4 and L5).")
                        )
        if self.procedure == Procedure.FUSION and not self.fusion_approach:
            errors.setdefault("fusion_approach", []).append(_("Choose the approach of the fusion."))
        if self.procedure != Procedure.FUSION and self.fusion_approach:
            errors.setdefault("fusion_approach", []).append(_("An approach is recorded for fusions only."))

        _check_choices(self.hardware, Hardware, "hardware", errors)
        if isinstance(self.hardware, list) and Hardware.NONE in self.hardware and len(self.hardware) > 1:
            errors.setdefault("hardware", []).append(_("“None” cannot be combined with other hardware."))
        _check_choices(self.complications, Complication, "complications", errors)
        _check_choices(self.failure_causes, FailureCause, "failure_causes", errors)
        if errors:
            raise ValidationError(errors)


class Evaluation(EnteredRecord):
    """One test or examination of the evaluation battery (CLINICAL.md), with findings per kind.

    ``findings`` holds the findings that occur once per evaluation (levels of an imaging study, a
    T-score, a screening score) as JSON read and written through the typed schema of the kind
    (``patients.evaluations``: one module per kind). Repeated findings have tables of their own:
    ``EmgFinding`` and ``BloodValue`` rows.
    """

    clinic_field = "patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="evaluations")
    kind = models.CharField(_("kind"), max_length=20, choices=EvaluationKind.choices)
    performed_on = models.DateField(_("date"))
    ordering_clinician = staff_ref(_("ordered by"))
    reviewing_clinician = staff_ref(_("reviewed by"))
    # DjangoJSONEncoder: a Decimal given to a service passes the JSON check; clean() then stores
    # the schema's own shape (numbers as JSON numbers).
    findings = models.JSONField(_("findings"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    impression = models.TextField(_("impression"), max_length=TEXT_MAX, blank=True, validators=[no_markup])
    pain_generators = models.JSONField(_("suspected pain generators"), default=list, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-performed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=EvaluationKind.values), name="evaluation_kind_valid"),
        ]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.performed_on:%Y-%m-%d}"

    @property
    def pain_generator_labels(self) -> list[str]:
        return _labels(self.pain_generators, PainGenerator)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.performed_on:
            _check_clinical_day(self.performed_on, self.patient if self.patient_id else None, "performed_on", errors)
        _check_choices(self.pain_generators, PainGenerator, "pain_generators", errors)
        if self.kind in EvaluationKind.values:
            try:
                self.findings = registry.clean_findings(self.kind, self.findings)
            except ValidationError as exc:
                errors.setdefault("findings", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)


class EmgFinding(models.Model):
    """A radiculopathy seen on EMG / nerve conduction studies: level, side, acute or chronic."""

    clinic_field = "evaluation__patient__clinic"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="emg_findings")
    level = models.CharField(_("radiculopathy level"), max_length=3, choices=LEVEL_CHOICES)
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    chronicity = models.CharField(_("acute or chronic"), max_length=20, choices=Chronicity.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=LEVELS), name="emg_level_valid"),
            models.CheckConstraint(condition=models.Q(side__in=Side.values), name="emg_side_valid"),
            models.CheckConstraint(condition=models.Q(chronicity__in=Chronicity.values), name="emg_chronicity_valid"),
        ]
        verbose_name = _("radiculopathy")
        verbose_name_plural = _("radiculopathies")

    def __str__(self) -> str:
        return str(
            _("Radiculopathy %(level)s, %(side)s, %(chronicity)s")
            % {
                "level": self.level,
                "side": str(self.get_side_display()).lower(),
                "chronicity": str(self.get_chronicity_display()).lower(),
            }
        )


class SpinalFinding(ChoiceLabels, models.Model):
    """An imaging finding at one disc level (L4-L5), with its side where that matters."""

    clinic_field = "evaluation__patient__clinic"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="spinal_findings")
    finding = models.CharField(_("finding"), max_length=40, choices=ImagingFinding.choices)
    level = models.CharField(_("disc level"), max_length=7, choices=DISC_CHOICES)
    side = models.CharField(_("side"), max_length=10, choices=FindingSide.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(finding__in=ImagingFinding.values), name="spinal_finding_valid"),
            models.CheckConstraint(condition=models.Q(level__in=DISC_LEVELS), name="spinal_finding_level_valid"),
            models.CheckConstraint(
                condition=models.Q(side="") | models.Q(side__in=FindingSide.values), name="spinal_finding_side_valid"
            ),
        ]
        verbose_name = _("finding by disc level")
        verbose_name_plural = _("findings by disc level")

    def __str__(self) -> str:
        where = f"{self.level}, {str(self.get_side_display()).lower()}" if self.side else self.level
        return f"{self.get_finding_display()} {where}"

    def clean(self) -> None:
        from .choices import IMAGING_FINDINGS, SIDED_FINDINGS

        errors: dict[str, list] = {}
        try:
            kind = self.evaluation.kind
        except Evaluation.DoesNotExist:  # a new row of a form, not yet joined to its evaluation
            kind = ""
        allowed = IMAGING_FINDINGS.get(kind, ())
        if kind and self.finding and self.finding not in allowed:
            errors["finding"] = [_("This kind of study does not show this finding.")]
        if self.finding in SIDED_FINDINGS and not self.side:
            errors["side"] = [
                _("Give the side of the %(finding)s.") % {"finding": str(self.get_finding_display()).lower()}
            ]
        if errors:
            raise ValidationError(errors)


class BloodValue(models.Model):
    """One measured value of a blood test, in one of the units that test is reported in."""

    clinic_field = "evaluation__patient__clinic"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="blood_values")
    test = models.CharField(_("test"), max_length=20, choices=BloodTest.choices)
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, choices=BloodUnit.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(test__in=BloodTest.values), name="blood_test_valid"),
            models.CheckConstraint(condition=models.Q(unit__in=BloodUnit.values), name="blood_unit_valid"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="blood_value_not_negative"),
        ]
        verbose_name = _("blood value")
        verbose_name_plural = _("blood values")

    def __str__(self) -> str:
        return f"{self.get_test_display()}: {plain_number(self.value)} {self.unit}"

    def clean(self) -> None:
        limits = BLOOD_TEST_LIMITS.get(BloodTest(self.test)) if self.test in BloodTest.values else None
        if limits is None:
            return
        errors: dict[str, list] = {}
        if self.unit and self.unit not in limits.units:
            errors["unit"] = [
                _("%(test)s is measured in %(units)s.")
                % {"test": self.get_test_display(), "units": " or ".join(limits.units)}
            ]
        if self.value is not None and not Decimal(0) <= self.value <= limits.upper:
            errors["value"] = [_("%(test)s: the value is out of range.") % {"test": self.get_test_display()}]
        if errors:
            raise ValidationError(errors)


def plain_number(value: Decimal) -> str:
    """12.50 as "12.5", 12.00 as "12": a measured value as people write it."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _attachment_path(instance: EvaluationAttachment, filename: str) -> str:
    # The stored name carries no patient data: a random id and the extension of the real type.
    return f"evaluations/{instance.public_id}.{instance.extension}"


class EvaluationAttachment(models.Model):
    """A report attached to an evaluation (PDF, JPEG or PNG), kept in private storage.

    Served only by the gated download view; the default storage has no public URL.
    """

    clinic_field = "evaluation__patient__clinic"
    CONTENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=40, choices=[(k, k) for k in CONTENT_TYPES])
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = staff_ref()

    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attached report")
        verbose_name_plural = _("attached reports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return self.CONTENT_TYPES.get(self.content_type, "bin")


class Diagnosis(EnteredRecord):
    """An ICD-10-CM diagnosis of the patient (codes checked offline against the CDC tables)."""

    clinic_field = "patient__clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField(_("ICD-10-CM code"), max_length=10)
    description = models.CharField(_("description"), max_length=300, editable=False)
    is_primary = models.BooleanField(_("primary diagnosis"), default=False)
    diagnosed_on = models.DateField(_("diagnosed on"), default=timezone.localdate)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=TEXT_MAX, blank=True, validators=[no_markup])

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-is_primary", "resolved_on", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code"],
                condition=models.Q(entered_in_error_at__isnull=True),
                name="diagnosis_code_once_per_patient",
                violation_error_message=_("This diagnosis is already on the patient's record."),
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(is_primary=True, entered_in_error_at__isnull=True),
                name="diagnosis_one_primary",
                violation_error_message=_("The patient already has a primary diagnosis."),
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_on__isnull=True) | models.Q(resolved_on__gte=models.F("diagnosed_on")),
                name="diagnosis_resolved_after_diagnosed",
                violation_error_message=_("A diagnosis cannot be resolved before it was made."),
            ),
        ]
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    @property
    def is_active(self) -> bool:
        return self.resolved_on is None

    def clean(self) -> None:
        from .icd import describe, normalize, validate_icd10cm

        errors: dict[str, list] = {}
        self.code = normalize(self.code or "")
        try:
            validate_icd10cm(self.code)
        except ValidationError as exc:
            errors["code"] = exc.messages
        else:
            self.description = describe(self.code)
        patient = self.patient if self.patient_id else None
        if self.diagnosed_on:
            _check_clinical_day(self.diagnosed_on, patient, "diagnosed_on", errors)
        if self.resolved_on:
            _check_clinical_day(self.resolved_on, patient, "resolved_on", errors)
            if self.diagnosed_on and self.resolved_on < self.diagnosed_on:
                errors.setdefault("resolved_on", []).append(_("A diagnosis cannot be resolved before it was made."))
        if errors:
            raise ValidationError(errors)
