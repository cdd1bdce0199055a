"""Booking forms. Dates and times are entered in the clinic's zone and become aware datetimes here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clinics.forms_util import DateInput, UserChoiceField, field_of
from clinics.validators import no_markup

from . import availability
from .models import AppointmentType, FollowUpRule, Room
from .services import local_datetime


def providers_of(clinic: Any) -> QuerySet[Any]:
    """Who may be chosen as the provider of an appointment at ``clinic``, by name."""
    ids = [u.pk for u in availability.providers_for(clinic)]
    return get_user_model().objects.filter(pk__in=ids).order_by("last_name", "first_name", "username")


def types_of(clinic_id: int) -> QuerySet[AppointmentType]:
    return AppointmentType.objects.filter(clinic_id=clinic_id, is_active=True)


class SlotFields(forms.Form):
    """Provider, day and time in the clinic's zone, room, and the reason for an exception."""

    provider = UserChoiceField(label=_("Provider"), queryset=get_user_model().objects.none())
    day = forms.DateField(label=_("Day"), widget=DateInput())
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=5, max_value=480, required=False,
        help_text=_("Leave empty for the type's usual length."),
    )  # fmt: skip
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.none(), required=False)
    override_reason = forms.CharField(
        label=_("Reason for an exception"),
        max_length=300,
        required=False,
        validators=[no_markup],
        help_text=_("Only to book outside working hours, on leave, or a discharged patient."),
    )

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        field_of(self, "provider", UserChoiceField).queryset = providers_of(clinic)
        field_of(self, "room", forms.ModelChoiceField).queryset = Room.objects.filter(clinic=clinic, is_active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, at = data.get("day"), data.get("time")
        if isinstance(day, date) and at is not None:
            if not (date(2000, 1, 1) <= day <= date(2100, 12, 31)):
                self.add_error("day", _("Enter a day between 2000 and 2100."))
            else:
                try:
                    data["starts_at"] = local_datetime(self.clinic, day, at)
                except ValidationError as exc:
                    self.add_error("time", exc)
        return data

    @property
    def starts_at(self) -> datetime:
        return self.cleaned_data["starts_at"]


class BookingForm(SlotFields):
    field_order = ["mrn", "appointment_type", "provider", "day", "time", "minutes", "room", "override_reason"]

    appointment_type = forms.ModelChoiceField(label=_("Type"), queryset=AppointmentType.objects.none())

    def __init__(self, *args: Any, clinic: Any, ask_patient: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, clinic=clinic, **kwargs)
        field_of(self, "appointment_type", forms.ModelChoiceField).queryset = types_of(clinic.pk)
        if ask_patient:
            self.fields["mrn"] = forms.CharField(
                label=_("Patient's MRN"), max_length=32, validators=[no_markup],
                help_text=_("The medical record number on the patient's chart."),
            )  # fmt: skip
            self.order_fields(self.field_order)


class RescheduleForm(SlotFields):
    pass


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, validators=[no_markup])


class DayPickForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())


class NextFreeForm(forms.Form):
    appointment_type = forms.ModelChoiceField(label=_("Type"), queryset=AppointmentType.objects.none())
    provider = UserChoiceField(
        label=_("Provider"), queryset=get_user_model().objects.none(), required=False, empty_label=_("Anyone")
    )
    day = forms.DateField(label=_("From"), widget=DateInput(), required=False)

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "appointment_type", forms.ModelChoiceField).queryset = types_of(clinic.pk)
        field_of(self, "provider", UserChoiceField).queryset = providers_of(clinic)

    def clean_day(self) -> date | None:
        day = self.cleaned_data.get("day")
        if day is not None and not (date(2000, 1, 1) <= day <= date(2100, 12, 31)):
            raise ValidationError(_("Enter a day between 2000 and 2100."))
        return day


class FollowUpRuleForm(forms.ModelForm):
    class Meta:
        model = FollowUpRule
        fields = ["offset_days", "window_days", "appointment_type", "reason", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "appointment_type", forms.ModelChoiceField).queryset = types_of(self.instance.clinic_id)


class ReminderSettingsForm(forms.Form):
    """The clinic's reminder offsets ("48, 2") and SMS quiet hours (clinic time)."""

    hours_before = forms.CharField(
        label=_("Reminders, hours before the appointment"),
        max_length=40,
        required=False,
        help_text=_("Whole hours separated by commas, e.g. 48, 2. Empty: no reminders."),
    )
    quiet_start = forms.TimeField(label=_("No SMS from"), widget=forms.TimeInput(attrs={"type": "time"}))
    quiet_end = forms.TimeField(
        label=_("No SMS until"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("The same time twice: no quiet hours."),
    )

    def __init__(self, *args: Any, instance: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "hours_before": ", ".join(str(h) for h in instance.hours_before),
                "quiet_start": instance.quiet_start,
                "quiet_end": instance.quiet_end,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_hours_before(self) -> list[int]:
        text = self.cleaned_data["hours_before"]
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not all(p.isdigit() and len(p) <= 4 for p in parts):
            raise ValidationError(_("Give whole hours separated by commas, e.g. 48, 2."), code="hours")
        return [int(p) for p in parts]
