from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Clinic

from .models import Patient
from .selectors import physicians_of

DEMOGRAPHIC_FIELDS = [
    "given_name", "family_name", "mrn", "date_of_birth", "sex",
    "email", "mobile_phone", "preferred_channel", "consent_email", "consent_sms", "preferred_language",
    "primary_physician", "status", "status_date", "referral_source",
    "smoking_status", "height_cm", "weight_kg", "work_status", "workers_comp_claim",
    "opioid_use_at_intake", "history_of_depression", "history_of_anxiety",
]  # fmt: skip


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_FIELDS
        widgets = {"date_of_birth": DateInput(), "status_date": DateInput()}

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.instance.clinic = clinic
        physician_field = self.fields["primary_physician"]
        assert isinstance(physician_field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        physician_field.queryset = physicians_of(clinic)
        physician_field.label_from_instance = lambda u: u.get_full_name() or u.get_username()  # type: ignore[method-assign,assignment]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("Identity"),
                Row(Column("given_name"), Column("family_name")),
                Row(Column("mrn"), Column("date_of_birth"), Column("sex")),
            ),
            Fieldset(
                _("Contact"),
                Row(Column("email"), Column("mobile_phone")),
                Row(Column("preferred_channel"), Column("preferred_language")),
                Row(Column("consent_email"), Column("consent_sms")),
            ),
            Fieldset(
                _("Care"),
                Row(Column("primary_physician"), Column("referral_source")),
                Row(Column("status"), Column("status_date")),
            ),
            Fieldset(
                _("Risk factors"),
                Row(Column("smoking_status"), Column("height_cm"), Column("weight_kg")),
                Row(Column("work_status"), Column("workers_comp_claim")),
                Row(Column("opioid_use_at_intake"), Column("history_of_depression"), Column("history_of_anxiety")),
            ),
            Submit("save", _("Save")),
        )

    def clean_date_of_birth(self) -> Any:
        dob = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if dob.year < today.year - 120:
            raise forms.ValidationError(_("The date of birth is more than 120 years ago."))
        return dob

    def clean_status_date(self) -> Any:
        day = self.cleaned_data["status_date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The status date cannot be in the future."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("consent_email") and not data.get("email"):
            self.add_error("email", _("An email address is needed to contact the patient by email."))
        if data.get("consent_sms") and not data.get("mobile_phone"):
            self.add_error("mobile_phone", _("A mobile number is needed to contact the patient by SMS."))
        return data


class PatientSearchForm(forms.Form):
    text = forms.CharField(label=_("Name or MRN"), max_length=100, required=False)
