from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from clinics.forms_util import DateInput, UserChoiceField, check_order
from clinics.models import Clinic
from clinics.roles import Discipline
from clinics.validators import no_markup

from . import kinds
from .kinds.base import plain_messages
from .kinds.medication import CONFIRM_HELP, CONFIRM_LABEL
from .models import Goal, Intervention, Medication, Modality, TreatmentPlan
from .selectors import team_candidates


def _helper(*layout: Any, submit: Any = None) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*layout, Submit("save", submit or _("Save")))
    return helper


class PlanForm(forms.ModelForm):
    class Meta:
        model = TreatmentPlan
        fields = ["title", "start_date", "review_date", "summary"]
        widgets = {"start_date": DateInput(), "review_date": DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("title", Row(Column("start_date"), Column("review_date")), "summary")
        plain_messages(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_order(self, data, "start_date", "review_date", _("The review date cannot be before the start date."))
        return data


STOPS, CONTINUES = "stop", "continue"


class CloseForm(forms.Form):
    """Closing a plan: for each of its current medications, whether it stops or continues on the
    patient's medication list after the plan."""

    submit_label: Any = _l("Mark the plan completed")

    def __init__(self, *args: Any, medications: list[Medication], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_messages(self)
        if "reason" in self.fields:
            self.fields["reason"].error_messages["required"] = _("Give the reason the plan was discontinued.")
        self.medications = medications
        for m in medications:
            self.fields[f"medication_{m.pk}"] = forms.ChoiceField(
                label=_("%(drug)s: after the plan, this medication…") % {"drug": m.label},
                choices=[(STOPS, _l("stops")), (CONTINUES, _l("continues on the patient's medication list"))],
                widget=forms.RadioSelect,
                error_messages={"required": _l("Say whether it stops or continues.")},
            )
        self.helper = _helper(*self.fields, submit=self.submit_label)

    def continuing(self) -> dict[int, bool]:
        return {m.pk: self.cleaned_data[f"medication_{m.pk}"] == CONTINUES for m in self.medications}


class DiscontinueForm(CloseForm):
    submit_label = _l("Discontinue the plan")

    reason = forms.CharField(
        label=_l("Why is the plan discontinued?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_markup],
    )

    field_order = ["reason"]


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["kind", "description", "baseline_value", "target_value", "target_date", "status"]
        widgets = {"target_date": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("kind"), Column("status")),
            "description",
            Row(Column("baseline_value"), Column("target_value"), Column("target_date")),
        )
        plain_messages(self)


class CareTeamForm(forms.Form):
    user = UserChoiceField(label=_l("Member"), queryset=get_user_model().objects.none())
    discipline = forms.ChoiceField(label=_l("Discipline"), choices=Discipline.choices)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, UserChoiceField)  # noqa: S101 - narrows the type
        field.queryset = team_candidates(clinic)
        self.helper = _helper(Row(Column("user"), Column("discipline")), submit=_("Add to the care team"))


def intervention_form(
    modality: str, data: Any = None, *, intervention: Intervention | None = None
) -> kinds.InterventionForm:
    """The form of ``modality`` (the intervention's fields and its kind's) with its layout."""
    form = kinds.form_for(modality, data, intervention=intervention)
    form.helper = _helper(
        Fieldset(str(Modality(modality).label), *[Field(name) for name in form.detail_names()]),
        Fieldset(_("Status and dates"), Row(Column("status"), Column("start_date"), Column("end_date")), "notes"),
    )
    return form


class OutsideMedicationForm(forms.ModelForm):
    """A medication prescribed outside the clinic, on the patient's current list."""

    confirm_dose = forms.BooleanField(label=CONFIRM_LABEL, required=False, help_text=CONFIRM_HELP)

    class Meta:
        model = Medication
        fields = [
            "drug", "drug_name", "dose", "unit", "frequency", "max_per_day", "route",
            "prescriber_name", "start_date", "stop_date",
        ]  # fmt: skip
        widgets = {"start_date": DateInput(), "stop_date": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_date"].required = True
        self.helper = _helper(
            Row(Column("drug"), Column("drug_name")),
            Row(Column("dose"), Column("unit"), Column("route")),
            Row(Column("frequency"), Column("max_per_day")),
            Row(Column("prescriber_name"), Column("start_date"), Column("stop_date")),
            "confirm_dose",
        )
        plain_messages(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_order(self, data, "start_date", "stop_date", _("The stop date cannot be before the start date."))
        return data


class StopMedicationForm(forms.Form):
    stop_date = forms.DateField(label=_l("Stopped on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("stop_date", submit=_("Stop the medication"))
        plain_messages(self)
