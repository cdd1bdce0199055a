from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from clinics.forms_util import DateInput, UserChoiceField
from clinics.models import Clinic
from clinics.roles import Discipline
from clinics.validators import no_markup

from . import kinds
from .models import Goal, InterventionStatus, Modality, TreatmentPlan
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, review = data.get("start_date"), data.get("review_date")
        if start and review and review < start:
            self.add_error("review_date", _("The review date cannot be before the start date."))
        return data


class DiscontinueForm(forms.Form):
    reason = forms.CharField(
        label=_l("Why is the plan discontinued?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_markup],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("reason", submit=_("Discontinue the plan"))


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


class CareTeamForm(forms.Form):
    user = UserChoiceField(label=_l("Member"), queryset=get_user_model().objects.none())
    discipline = forms.ChoiceField(label=_l("Discipline"), choices=Discipline.choices)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, UserChoiceField)  # noqa: S101 - narrows the type
        field.queryset = team_candidates(clinic)
        self.helper = _helper(Row(Column("user"), Column("discipline")), submit=_("Add to the care team"))


class InterventionCommon(forms.Form):
    status = forms.ChoiceField(label=_l("Status"), choices=InterventionStatus.choices)
    start_date = forms.DateField(label=_l("Start date"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_l("End date"), required=False, widget=DateInput())
    notes = forms.CharField(
        label=_l("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_markup],
    )

    modality: str = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return data

    def common_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in InterventionCommon.base_fields}

    def details_data(self) -> dict[str, Any]:
        fields = kinds.kind_of(self.modality).form.base_fields
        return kinds.to_json({name: self.cleaned_data.get(name) for name in fields})


# Labels of the shared date fields, per kind, so the form reads naturally.
DATE_LABELS: dict[str, tuple[Any, Any]] = {
    Modality.MEDICATION: (_l("Start"), _l("Stop")),
    Modality.PROCEDURE: (_l("Date"), _l("End date (if more than one day)")),
    Modality.NEUROMODULATION_TRIAL: (_l("Trial start"), _l("Trial end")),
}


def intervention_form_class(modality: str) -> type[InterventionCommon]:
    """A form with the shared fields and those of ``modality``'s kind."""
    kind = kinds.kind_of(modality)
    form_class = type(f"{kind.form.__name__}Form", (InterventionCommon, kind.form), {"modality": modality})
    return form_class  # type: ignore[return-value]


def intervention_form(modality: str, *args: Any, instance: Any = None, **kwargs: Any) -> InterventionCommon:
    form_class = intervention_form_class(modality)
    if instance is not None:
        kwargs.setdefault(
            "initial",
            {
                "status": instance.status,
                "start_date": instance.start_date,
                "end_date": instance.end_date,
                "notes": instance.notes,
                **instance.details,
            },
        )
    form = form_class(*args, **kwargs)
    start_label, end_label = DATE_LABELS.get(modality, (None, None))
    if start_label:
        form.fields["start_date"].label = start_label
        form.fields["end_date"].label = end_label
    detail_names = list(kinds.kind_of(modality).form.base_fields)
    layout_fields = [Field(name) for name in detail_names]
    form.helper = _helper(  # type: ignore[attr-defined]
        Fieldset(str(Modality(modality).label), *layout_fields),
        Fieldset(_("Status and dates"), Row(Column("status"), Column("start_date"), Column("end_date")), "notes"),
    )
    return form
