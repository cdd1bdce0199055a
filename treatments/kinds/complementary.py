"""Complementary therapies: which one and how many sessions (schema ``Complementary``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from .. import choices as c
from ..choices import Modality
from ..models import Intervention
from ..schemas import Complementary
from .base import DescriptiveForm, Kind, descriptive_form, plain_from, sessions_to_book, with_sessions


class ComplementaryForm(DescriptiveForm):
    schema = Complementary
    therapy = forms.ChoiceField(label=_l("Therapy"), choices=c.COMPLEMENTARY)
    sessions = forms.IntegerField(label=_l("Number of sessions"), min_value=1, max_value=100, required=False)


def summary(i: Intervention) -> str:
    d = Complementary.model_validate(i.details)
    return with_sessions(c.label_of(c.COMPLEMENTARY, d.therapy), d.sessions)


def booking(i: Intervention) -> str:
    return sessions_to_book(Complementary.model_validate(i.details).sessions)


KIND = Kind(
    Modality.COMPLEMENTARY,
    descriptive_form(ComplementaryForm),
    summary,
    plain_from(summary, _l("Complementary therapy: %(what)s.")),
    booking=booking,
)
