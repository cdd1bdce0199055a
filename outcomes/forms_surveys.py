"""Forms of the survey pages staff use: schedules and waves (clinic admin), enrolment, crisis text."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clinics.forms_util import DateInput, field_of
from clinics.validators import no_markup

from .models import AnchorKind, ClinicSurveySettings

PROCEDURE_CHOICES = [
    ("scs_implant", _("Spinal cord stimulator implant")),
    ("pump_implant", _("Intrathecal pump implant")),
    ("rfa", _("Radiofrequency ablation")),
    ("esi_interlaminar", _("Epidural steroid injection, interlaminar")),
    ("esi_transforaminal", _("Epidural steroid injection, transforaminal")),
]


def _int_list(value: str, *, low: int, high: int) -> list[int]:
    out = []
    for part in str(value or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not low <= int(part) <= high:
            raise forms.ValidationError(_("Whole numbers from %(low)s to %(high)s, separated by commas.") % {"low": low, "high": high})
        out.append(int(part))
    return out


class ScheduleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, validators=[no_markup])
    anchor_kind = forms.ChoiceField(label=_("Waves count from"), choices=AnchorKind.choices)
    procedure_types = forms.MultipleChoiceField(
        label=_("Procedures that start it"), choices=PROCEDURE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    max_reminders = forms.IntegerField(label=_("Reminders at most"), min_value=0, max_value=5, initial=2)
    reminder_days = forms.CharField(
        label=_("Reminder days after opening"), initial="3, 7", help_text=_("For example: 3, 7"), max_length=40
    )

    def clean_reminder_days(self) -> list[int]:
        return _int_list(self.cleaned_data["reminder_days"], low=1, high=60)


class WaveForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=40)
    label = forms.CharField(label=_("Label"), max_length=80, validators=[no_markup])
    offset_days = forms.IntegerField(label=_("Days after the anchor"), min_value=0, max_value=3650)
    window_days = forms.IntegerField(label=_("Open for (days)"), min_value=1, max_value=90, initial=14)
    instruments = forms.MultipleChoiceField(label=_("Questionnaires, in this order"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, instrument_keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "instruments", forms.MultipleChoiceField).choices = [(k, k) for k in instrument_keys]


class EnrolForm(forms.Form):
    schedule = forms.ChoiceField(label=_("Schedule"))
    anchor_date = forms.DateField(label=_("Anchor date"), widget=DateInput())

    def __init__(self, *args: Any, schedules: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "schedule", forms.ChoiceField).choices = [(str(s.public_id), s.name) for s in schedules]


class CrisisForm(forms.ModelForm):
    class Meta:
        model = ClinicSurveySettings
        fields = ["crisis_text", "crisis_phone"]
