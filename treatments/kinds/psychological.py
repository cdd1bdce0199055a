"""Psychological support: the approach and the number of sessions (schema ``Psychological``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from .. import choices as c
from ..choices import Modality
from ..schemas import Psychological
from .base import SessionsForm


class PsychologicalForm(SessionsForm):
    schema, choice_field, choice_options = Psychological, "approach", c.PSYCH_APPROACHES
    approach = forms.ChoiceField(label=_l("Approach"), choices=choice_options)
    field_order = ["approach", "sessions"]


KIND = PsychologicalForm.kind(Modality.PSYCHOLOGICAL, _l("Support from a psychologist: %(what)s."))
