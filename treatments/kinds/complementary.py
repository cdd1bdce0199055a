"""Complementary therapies: which one and how many sessions (schema ``Complementary``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from .. import choices as c
from ..choices import Modality
from ..schemas import Complementary
from .base import SessionsForm


class ComplementaryForm(SessionsForm):
    schema, choice_field, choice_options = Complementary, "therapy", c.COMPLEMENTARY
    therapy = forms.ChoiceField(label=_l("Therapy"), choices=choice_options)
    field_order = ["therapy", "sessions"]


KIND = ComplementaryForm.kind(Modality.COMPLEMENTARY, _l("Complementary therapy: %(what)s."))
