"""What every kind of intervention shares: the form fields of the intervention row, and the shape
of a kind (its form, summary and plain words) that the registry in ``__init__`` collects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from clinics.forms_util import DateInput, check_order
from clinics.validators import no_markup
from patients import spine

from ..choices import InterventionStatus
from ..models import Intervention, InterventionDetail
from ..schemas import SCHEMAS, Details, parse

# Plain words instead of Django's stock messages ("Ensure this value is less than or equal to
# 100000.", "Ensure that there are no more than 1 decimal place."), for every number field of the
# app's forms; the model's own validators' errors are matched by code (ModelForm uses these too).
NUMBER_MESSAGES: dict[str, Any] = {
    "required": _l("Fill this in."),
    "invalid": _l("Enter a number, e.g. 7 or 6.5."),
    "max_value": _l("Enter %(limit_value)s or less."),
    "min_value": _l("Enter %(limit_value)s or more."),
    "max_decimal_places": _l("Too many decimals: at most %(max)s after the point."),
    "max_digits": _l("This number is too long."),
    "max_whole_digits": _l("This number is too large."),
}
FIELD_MESSAGES: dict[str, Any] = {
    "required": _l("Fill this in."),
    "invalid_choice": _l("Choose one of the options."),
    "invalid": _l("Enter a valid value."),
}


def plain_messages(form: forms.BaseForm) -> None:
    """Give every field of ``form`` the app's plain error messages (see ``NUMBER_MESSAGES``)."""
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            field.error_messages.update(
                {"required": _l("Give the date."), "invalid": _l("Enter a date as YYYY-MM-DD.")}
            )
        elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            field.error_messages.update(NUMBER_MESSAGES)
        else:
            field.error_messages.update({k: v for k, v in FIELD_MESSAGES.items() if k in field.error_messages})


class InterventionForm(forms.Form):
    """The intervention's own fields; each kind's form adds its details to these."""

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

    COMMON = ("status", "start_date", "end_date", "notes")
    helper: Any = None  # the crispy layout, set by treatments.forms
    # How this kind names the two dates on its form, e.g. a trial's start and end.
    date_labels: tuple[Any, Any] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.date_labels:
            self.fields["start_date"].label, self.fields["end_date"].label = self.date_labels
        plain_messages(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_order(self, data, "start_date", "end_date", _("The end date cannot be before the start date."))
        return data

    def common(self) -> dict[str, Any]:
        """The intervention's fields, as the services take them."""
        return {name: self.cleaned_data.get(name) for name in self.COMMON}

    def detail_names(self) -> list[str]:
        return [name for name in self.fields if name not in self.COMMON]

    def options(self) -> dict[str, Any]:
        """What the services take besides the intervention's fields and details (none by default)."""
        return {}

    def detail(self) -> InterventionDetail | Details:
        """The kind's details, typed (a row to save, or a schema), once the form is valid."""
        raise NotImplementedError


class DetailForm(InterventionForm, forms.ModelForm):
    """A kind with a typed table: the form edits its row (``accessor`` on the intervention)."""

    accessor: str
    levels_label: Any = _l("Levels")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "levels" in self.fields:
            # Spinal levels are picked from the list (stored as a JSON list, ordered head to tail).
            self.fields["levels"] = forms.MultipleChoiceField(
                label=self.levels_label, choices=spine.LEVEL_CHOICES, required=False
            )
        plain_messages(self)

    def detail(self) -> InterventionDetail:
        return self.instance

    @classmethod
    def make(cls, data: Any = None, *, intervention: Intervention | None = None) -> InterventionForm:
        instance = getattr(intervention, cls.accessor) if intervention is not None else None
        return cls(data, instance=instance, initial=initial_of(intervention))


def initial_of(intervention: Intervention | None) -> dict[str, Any]:
    if intervention is None:
        return {}
    return {name: getattr(intervention, name) for name in InterventionForm.COMMON}


@dataclass(frozen=True)
class Kind:
    modality: str
    form: Callable[..., InterventionForm]  # (data, *, intervention=None) -> a bound or unbound form
    summary: Callable[[Intervention], str]
    plain: Callable[[Intervention], str]
    # For the front desk: whether this kind is booked as sessions or procedures, and what to book.
    bookable: bool = True
    booking: Callable[[Intervention], str] = lambda i: ""


def number(value: Decimal | int | None) -> str:
    """A dose or score without trailing zeros: 10, 2.5."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{value.normalize():f}"


def labels(choices: list[tuple[str, Any]], keys: list[str]) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(k, k)) for k in keys)


class DescriptiveForm(InterventionForm):
    """A descriptive kind's form: its fields become the kind's schema (``treatments.schemas``)."""

    schema: type[Details]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        values = {name: data.get(name) for name in self.detail_names()}
        values = {name: value for name, value in values.items() if value not in (None, "", [])}
        try:
            self.parsed = parse_details(self.schema, values)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return data

    def detail(self) -> Details:
        return self.parsed


def parse_details(schema: type[Details], values: dict[str, Any]) -> Details:
    modality = next(m for m, s in SCHEMAS.items() if s is schema)
    return parse(modality, values)


def descriptive_form(form_class: type[DescriptiveForm]) -> Callable[..., InterventionForm]:
    def make(data: Any = None, *, intervention: Intervention | None = None) -> InterventionForm:
        initial = {**(intervention.details if intervention is not None else {}), **initial_of(intervention)}
        return form_class(data, initial=initial)

    return make


class SessionsForm(DescriptiveForm):
    """A descriptive kind that is one choice and a number of sessions (psychology, complementary)."""

    choice_field: str
    choice_options: list[tuple[str, Any]]
    sessions = forms.IntegerField(label=_l("Number of sessions"), min_value=1, max_value=100, required=False)

    @classmethod
    def summary(cls, i: Intervention) -> str:
        details: Any = cls.schema.model_validate(i.details)
        label = str(dict(cls.choice_options).get(getattr(details, cls.choice_field), ""))
        return with_sessions(label, details.sessions)

    @classmethod
    def booking(cls, i: Intervention) -> str:
        details: Any = cls.schema.model_validate(i.details)
        return sessions_to_book(details.sessions)

    @classmethod
    def kind(cls, modality: str, plain_words: Any) -> Kind:
        """The kind of this form; ``plain_words`` puts the summary in a sentence for the patient."""
        return Kind(
            modality, descriptive_form(cls), cls.summary, plain_from(cls.summary, plain_words), booking=cls.booking
        )


def sessions(per_week: int | None, weeks: int | None) -> str:
    if not per_week or not weeks:
        return ""
    return ngettext("%(n)s session a week for %(w)s weeks", "%(n)s sessions a week for %(w)s weeks", per_week) % {
        "n": per_week,
        "w": weeks,
    }


def with_sessions(label: str, count: int | None) -> str:
    if count:
        label += ", " + ngettext("%(n)s session", "%(n)s sessions", count) % {"n": count}
    return label


def sessions_to_book(count: int | None) -> str:
    return _("%(n)s sessions") % {"n": count} if count else ""


def plain_from(summary: Callable[[Intervention], str], template: Any) -> Callable[[Intervention], str]:
    """Plain words for the patient: the staff summary, lower case, in a sentence."""

    def plain(i: Intervention) -> str:
        return str(template) % {"what": summary(i).lower()}

    return plain


def text_field(label: Any, *, required: bool = False, help_text: Any = "") -> forms.CharField:
    """A line of free text of a descriptive kind (200 characters, no markup)."""
    return forms.CharField(label=label, required=required, max_length=200, validators=[no_markup], help_text=help_text)
