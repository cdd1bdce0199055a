"""Psychological support: the approach and the number of sessions (schema ``Psychological``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from .. import choices as c
from ..choices import Modality
from ..models import Intervention
from ..schemas import Psychological
from .base import DescriptiveForm, Kind, descriptive_form, plain_from, sessions_to_book, with_sessions


class PsychologicalForm(DescriptiveForm):
    schema = Psychological
    approach = forms.ChoiceField(label=_l("Approach"), choices=c.PSYCH_APPROACHES)
    sessions = forms.IntegerField(label=_l("Number of sessions"), min_value=1, max_value=100, required=False)


def summary(i: Intervention) -> str:
    d = Psychological.model_validate(i.details)
    return with_sessions(c.label_of(c.PSYCH_APPROACHES, d.approach), d.sessions)


def booking(i: Intervention) -> str:
    return sessions_to_book(Psychological.model_validate(i.details).sessions)


KIND = Kind(
    Modality.PSYCHOLOGICAL,
    descriptive_form(PsychologicalForm),
    summary,
    plain_from(summary, _l("Support from a psychologist: %(what)s.")),
    booking=booking,
)
