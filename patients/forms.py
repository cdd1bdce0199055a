from __future__ import annotations

import calendar
from typing import Any

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Fieldset, Layout, LayoutObject, Row, Submit
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from clinics.forms_util import DateInput, UserChoiceField
from clinics.models import Clinic, Membership
from clinics.roles import Need

from .choices import Complication, EvaluationKind, FailureCause, Hardware, PainGenerator, PatientStatus
from .evaluations import registry
from .icd import common_codes, normalize
from .models import Diagnosis, Evaluation, Patient, PriorSurgery
from .selectors import clinicians_of, physicians_of, possible_duplicates
from .spine import LEVEL_CHOICES
from .uploads import MAX_FILES_PER_SAVE, MAX_UPLOAD_BYTES, inspect_upload

DEMOGRAPHIC_FIELDS = [
    "given_name", "family_name", "mrn", "date_of_birth", "sex",
    "email", "mobile_phone", "preferred_channel", "consent_email", "consent_sms", "preferred_language",
    "primary_physician", "status", "status_date", "referral_source",
]  # fmt: skip
RISK_FACTOR_FIELDS = list(Patient.RISK_FACTOR_FIELDS)


class PatientForm(forms.ModelForm):
    """Registration and details of a patient, for a role that sees clinical data (risk factors
    included). Build the form for a person with ``patient_form_for``."""

    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_FIELDS + RISK_FACTOR_FIELDS
        widgets = {"date_of_birth": DateInput(), "status_date": DateInput()}
        field_classes = {"primary_physician": UserChoiceField}

    confirm_not_duplicate = forms.BooleanField(
        label=_("This is a new patient, not one of those listed"), required=False
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.instance.clinic = clinic
        self.creating = self.instance.pk is None
        self.duplicates: list[Patient] = []
        # A new patient's MRN may be left empty: the clinic's numbering assigns the next one.
        self.fields["mrn"].required = not self.creating
        if not self.creating:
            del self.fields["confirm_not_duplicate"]
        physician_field = self.fields["primary_physician"]
        assert isinstance(physician_field, UserChoiceField)  # noqa: S101 - narrows the type
        physician_field.queryset = physicians_of(clinic)
        self.helper = FormHelper()
        self.helper.form_tag = False
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
            *([self._risk_factors()] if set(RISK_FACTOR_FIELDS) <= set(self.fields) else []),
            Submit("save", _("Save")),
        )

    @staticmethod
    def _risk_factors() -> Fieldset:
        return Fieldset(
            _("Risk factors"),
            Row(Column("smoking_status"), Column("height_cm"), Column("weight_kg")),
            Row(Column("work_status"), Column("workers_comp_claim")),
            Row(Column("opioid_use_at_intake"), Column("history_of_depression"), Column("history_of_anxiety")),
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

    def _get_validation_exclusions(self) -> set[str]:
        # An empty MRN of a new patient is assigned by the service, after the form's checks.
        excluded = set(getattr(super(), "_get_validation_exclusions")())  # noqa: B009 - private in the stubs
        if self.creating and not self.cleaned_data.get("mrn"):
            excluded.add("mrn")
        return excluded

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.creating and not self.errors:
            phone = data.get("mobile_phone")
            self.duplicates = possible_duplicates(
                self.clinic,
                given_name=data.get("given_name", ""),
                family_name=data.get("family_name", ""),
                date_of_birth=data.get("date_of_birth"),
                email=data.get("email", ""),
                mobile_phone=str(phone) if phone else "",
            )
            if self.duplicates and not data.get("confirm_not_duplicate"):
                self.add_error(
                    "confirm_not_duplicate",
                    _("This may be a patient already registered. Check the list, then confirm to register."),
                )
        return data


class DemographicsForm(PatientForm):
    """The same form without the risk factors: for the front desk and the clinic admin, who
    neither read nor write clinical data (they are not rendered, and a posted value is ignored)."""

    class Meta(PatientForm.Meta):
        fields = DEMOGRAPHIC_FIELDS


def patient_form_for(membership: Membership) -> type[PatientForm]:
    """The patient form class for ``membership``'s role: risk factors only with ``EDIT_CLINICAL``."""
    return PatientForm if membership.can(Need.EDIT_CLINICAL) else DemographicsForm


SORTS = {
    "name": ("search_name", "id"),
    "-name": ("-search_name", "-id"),
    "mrn": ("mrn", "id"),
    "dob": ("date_of_birth", "id"),
    "-dob": ("-date_of_birth", "id"),
    "recent": ("-created_at", "-id"),
    "surgeries": ("-surgery_count", "search_name", "id"),
}


def plain_bootstrap(form: forms.Form) -> None:
    """The classes crispy's Bootstrap 5 pack gives these widgets, for a form rendered field by field
    with ``patients/_field.html`` (the patient list: crispy cost a quarter of its time)."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = f"{widget.input_type}input form-control" if widget.input_type != "text" else "textinput form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class PatientSearchForm(forms.Form):
    """What to search for. Posted and kept in the session: names and birth dates are patient data."""

    text = forms.CharField(label=_("Name or MRN"), max_length=100, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_bootstrap(self)

    def to_session(self) -> dict[str, str]:
        dob = self.cleaned_data.get("date_of_birth")
        return {"text": self.cleaned_data.get("text", ""), "date_of_birth": dob.isoformat() if dob else ""}


SORT_CHOICES = [
    ("name", _("Name (A-Z)")),
    ("-name", _("Name (Z-A)")),
    ("mrn", _("MRN")),
    ("dob", _("Oldest first")),
    ("-dob", _("Youngest first")),
    ("recent", _("Recently registered")),
    ("surgeries", _("Most prior surgeries")),
]


class PatientFilterForm(forms.Form):
    """Filters and order of the patient list: no patient data, so they may sit in the query string."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *PatientStatus.choices], required=False
    )
    physician = UserChoiceField(label=_("Physician"), queryset=None, required=False, empty_label=_("Any physician"))
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, clinic: Clinic, clinical: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        physician_field = self.fields["physician"]
        assert isinstance(physician_field, UserChoiceField)  # noqa: S101 - narrows the type
        physician_field.queryset = physicians_of(clinic)
        if not clinical:
            sort_field = self.fields["sort"]
            assert isinstance(sort_field, forms.ChoiceField)  # noqa: S101
            sort_field.choices = [c for c in SORT_CHOICES if c[0] != "surgeries"]
        plain_bootstrap(self)


# --- Clinical records --------------------------------------------------------------------------


class ClinicalForm(forms.ModelForm):
    """A ModelForm whose model may refuse values of fields the form does not show.

    ``Model.clean()`` checks the whole record, including fields this form leaves out (the
    structured findings, the derived sort date); their messages go to the top of the form
    instead of raising, so a person always sees a message and never an error page.
    """

    def add_error(self, field: Any, error: Any) -> None:
        # The model's errors arrive here as one ValidationError keyed by field (Django's
        # ModelForm._post_clean); Form.add_error refuses a key that is not a field of the form.
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            remapped: dict[str, list] = {}
            for name, messages in error.error_dict.items():
                key = name if name in self.fields else NON_FIELD_ERRORS
                remapped.setdefault(key, []).extend(messages)
            error = ValidationError(remapped)
        super().add_error(field, error)


def _checkboxes(choices: Any, label: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple)


MONTHS = [("", "—"), *((str(n), calendar.month_name[n]) for n in range(1, 13))]


YEAR_MESSAGES = {"invalid": _("Enter the year as four digits, for example 2014.")}


class PriorSurgeryForm(ClinicalForm):
    date_year = forms.IntegerField(label=_("Year"), error_messages=YEAR_MESSAGES)
    date_month = forms.TypedChoiceField(label=_("Month"), choices=MONTHS, coerce=int, empty_value=None, required=False)
    date_day = forms.IntegerField(
        label=_("Day"), required=False, error_messages={"invalid": _("Enter the day of the month, 1 to 31.")}
    )
    levels = _checkboxes(LEVEL_CHOICES, _("Levels"))
    hardware = _checkboxes(Hardware.choices, _("Hardware"))
    complications = _checkboxes(Complication.choices, _("Complications"))
    failure_causes = _checkboxes(FailureCause.choices, _("Suspected causes of failure"))

    class Meta:
        model = PriorSurgery
        fields = [
            "date_year", "date_month", "date_day", "procedure", "fusion_approach", "levels", "hardware",
            "surgeon", "facility", "complications", "failure_causes", "notes",
        ]  # fmt: skip
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.patient = patient
        year = self.fields["date_year"]
        year.widget.attrs.update({"max": timezone.localdate().year})
        year.help_text = _("The year alone is enough if that is all the patient remembers.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("When"), Row(Column("date_year"), Column("date_month"), Column("date_day"))),
            Fieldset(
                _("Operation"),
                Row(Column("procedure"), Column("fusion_approach")),
                InlineCheckboxes("levels"),
                InlineCheckboxes("hardware"),
                Row(Column("surgeon"), Column("facility")),
            ),
            Fieldset(
                _("What went wrong"),
                InlineCheckboxes("complications"),
                InlineCheckboxes("failure_causes"),
                "notes",
            ),
            Submit("save", _("Save surgery")),
        )

    def clean_date_year(self) -> Any:
        # Out of any calendar: one message here (the model then says nothing more about the date).
        year = self.cleaned_data["date_year"]
        if year is not None and not 1 <= year <= 9999:
            raise forms.ValidationError(YEAR_MESSAGES["invalid"])
        return year

    def clean_date_day(self) -> Any:
        day = self.cleaned_data["date_day"]
        if day is not None and not 1 <= day <= 31:
            raise forms.ValidationError(_("Enter the day of the month, 1 to 31."))
        return day


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ReportFilesField(forms.FileField):
    """Zero or more attached reports, each checked by content and size (see ``uploads``)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(uploads) > MAX_FILES_PER_SAVE:
            raise forms.ValidationError(_("Attach at most %(n)s files at a time.") % {"n": MAX_FILES_PER_SAVE})
        checked = []
        errors: list[ValidationError] = []
        for upload in uploads:
            try:
                checked.append(super().clean(upload, initial))
                inspect_upload(upload)
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise forms.ValidationError(errors)
        return checked


class RowsFormset(LayoutObject):
    """Puts a kind's formset of repeated findings (EMG radiculopathies, blood values) in the layout."""

    def __init__(self, formset: forms.BaseInlineFormSet, title: Any) -> None:
        self.formset = formset
        self.title = title
        self.fields: list[str] = []

    def render(self, form: Any, context: Any, template_pack: Any = None, **kwargs: Any) -> str:
        return render_to_string("patients/_rows_formset.html", {"formset": self.formset, "title": self.title})


class EvaluationForm(ClinicalForm):
    """One evaluation of a fixed kind, with the findings of that kind (``patients.evaluations``).

    Findings that occur once are fields of this form; repeated ones (a kind with a ``RowTable``)
    are an inline formset in ``self.rows``, validated with the form.
    """

    pain_generators = _checkboxes(PainGenerator.choices, _("Suspected pain generators"))
    attachments = ReportFilesField(
        label=_("Attach reports"),
        required=False,
        help_text=_("PDF, JPEG or PNG, up to %(mb)s MB each.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )

    class Meta:
        model = Evaluation
        fields = ["performed_on", "ordering_clinician", "reviewing_clinician", "impression", "pain_generators"]
        widgets = {"performed_on": DateInput(), "impression": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"ordering_clinician": UserChoiceField, "reviewing_clinician": UserChoiceField}

    def __init__(self, *args: Any, patient: Patient, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.type = registry.get(kind)
        self.instance.patient = patient
        self.instance.kind = kind
        self.findings: dict[str, Any] = {}
        for name in ("ordering_clinician", "reviewing_clinician"):
            field = self.fields[name]
            assert isinstance(field, UserChoiceField)  # noqa: S101 - narrows the type
            field.queryset = clinicians_of(patient.clinic)
        extra = self.type.form_fields()
        self.fields.update(extra)
        if self.instance.pk and not self.is_bound:
            stored = self.type.read(self.instance.findings)
            if stored is not None:
                self.initial.update(self.type.initial(stored))
        table = self.type.rows
        self.rows = table.formset(self.data if self.is_bound else None, instance=self.instance) if table else None
        findings_layout = self.type.layout(list(extra))
        if self.rows is not None and table is not None:
            findings_layout.append(RowsFormset(self.rows, table.title))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("performed_on"), Column("ordering_clinician"), Column("reviewing_clinician")),
            Fieldset(
                _("Findings: %(kind)s") % {"kind": EvaluationKind(kind).label},
                *findings_layout,
                css_id="findings",
            ),
            "impression",
            InlineCheckboxes("pain_generators"),
            Field("attachments", accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"),
            Submit("save", _("Save evaluation")),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        found, errors = self.type.from_form(data)
        for field, message in errors.items():
            self.add_error(field, message)
        self.findings = found
        self.instance.findings = found
        if self.rows is not None and not self.rows.is_valid():
            self.add_error(None, _("Some rows of findings need correcting: see below."))
        return data

    def row_instances(self) -> list[Any] | None:
        """The rows to keep, new and changed ones with their form values; None for kinds without rows.

        Call on a valid form. Rows marked for deletion and untouched empty extra rows are left out.
        """
        if self.rows is None:
            return None
        kept = []
        for row_form in self.rows.forms:
            if row_form.cleaned_data.get("DELETE"):
                continue
            if row_form.instance.pk is None and not row_form.has_changed():
                continue
            kept.append(row_form.instance)
        return kept


class DiagnosisForm(ClinicalForm):
    code = forms.CharField(
        label=_("ICD-10-CM code"),
        max_length=10,
        widget=forms.TextInput(attrs={"list": "icd-common", "autocomplete": "off", "placeholder": "M96.1"}),
        help_text=_("Any billable ICD-10-CM code; the usual ones for a failed back are offered first."),
    )

    class Meta:
        model = Diagnosis
        fields = ["code", "is_primary", "diagnosed_on", "resolved_on", "notes"]
        widgets = {
            "diagnosed_on": DateInput(),
            "resolved_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self, *args: Any, patient: Patient, offered: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance.patient = patient
        # The codes the datalist offers: those found by words (``icd.search``), else the usual ones.
        codes = offered if offered is not None else common_codes()
        options = format_html_join("", '<option value="{}">{} {}</option>', ((c, c, t) for c, t in codes))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("code"), Column("diagnosed_on"), Column("resolved_on")),
            HTML(f'<datalist id="icd-common">{options}</datalist>'),
            "is_primary",
            "notes",
            Submit("save", _("Save diagnosis")),
        )

    def clean_code(self) -> str:
        # Checked once, by the model (Diagnosis.clean): checking here too said it twice.
        return normalize(self.cleaned_data["code"])
