"""Lifestyle coaching: the focus and the target (schema ``Lifestyle``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from clinics.validators import no_markup

from .. import choices as c
from ..choices import Modality
from ..models import Intervention
from ..schemas import Lifestyle
from .base import DescriptiveForm, Kind, descriptive_form, plain_from


class LifestyleForm(DescriptiveForm):
    schema = Lifestyle
    focus = forms.ChoiceField(label=_l("Focus"), choices=c.LIFESTYLE_FOCUS)
    target = forms.CharField(
        label=_l("Target"),
        required=False,
        max_length=200,
        validators=[no_markup],
        help_text=_l("e.g. lose 5 kg, stop smoking by the review date"),
    )


def summary(i: Intervention) -> str:
    d = Lifestyle.model_validate(i.details)
    label = c.label_of(c.LIFESTYLE_FOCUS, d.focus)
    return f"{label}: {d.target}" if d.target else label


KIND = Kind(
    Modality.LIFESTYLE, descriptive_form(LifestyleForm), summary, plain_from(summary, _l("Healthy living: %(what)s."))
)
