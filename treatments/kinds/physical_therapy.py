"""Physical therapy: focus, sessions a week, weeks (JSON details, schema ``PhysicalTherapy``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from .. import choices as c
from ..choices import Modality
from ..models import Intervention
from ..schemas import PhysicalTherapy
from .base import DescriptiveForm, Kind, descriptive_form, labels, sessions


class PhysicalTherapyForm(DescriptiveForm):
    schema = PhysicalTherapy
    focus = forms.MultipleChoiceField(label=_l("Focus"), choices=c.PT_FOCUS, widget=forms.CheckboxSelectMultiple)
    sessions_per_week = forms.IntegerField(label=_l("Sessions per week"), min_value=1, max_value=7)
    weeks = forms.IntegerField(label=_l("Number of weeks"), min_value=1, max_value=52)


def details(i: Intervention) -> PhysicalTherapy:
    return PhysicalTherapy.model_validate(i.details)


def summary(i: Intervention) -> str:
    d = details(i)
    return f"{labels(c.PT_FOCUS, d.focus)}; {sessions(d.sessions_per_week, d.weeks)}"


def plain(i: Intervention) -> str:
    d = details(i)
    return _("Physical therapy (%(focus)s): %(sessions)s.") % {
        "focus": labels(c.PT_FOCUS, d.focus).lower(),
        "sessions": sessions(d.sessions_per_week, d.weeks),
    }


def booking(i: Intervention) -> str:
    d = details(i)
    return sessions(d.sessions_per_week, d.weeks)


KIND = Kind(Modality.PHYSICAL_THERAPY, descriptive_form(PhysicalTherapyForm), summary, plain, booking=booking)
