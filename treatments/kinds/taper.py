"""Opioid taper or detox: the programme, the target MME/day and the steps (schema ``OpioidTaper``)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from .. import choices as c
from .. import mme
from ..choices import Modality
from ..models import Intervention
from ..schemas import OpioidTaper
from .base import DescriptiveForm, Kind, descriptive_form, plain_from


class OpioidTaperForm(DescriptiveForm):
    schema = OpioidTaper
    programme = forms.ChoiceField(label=_l("Programme"), choices=c.TAPER_PROGRAMMES)
    target_mme = forms.DecimalField(
        label=_l("Target MME/day"), min_value=0, max_value=1000, max_digits=6, decimal_places=1, required=False
    )
    step_percent = forms.IntegerField(
        label=_l("Reduction per step (%)"), min_value=1, max_value=50, required=False, help_text=_l("Often 10%.")
    )
    step_weeks = forms.IntegerField(label=_l("Weeks between steps"), min_value=1, max_value=12, required=False)


def summary(i: Intervention) -> str:
    d = OpioidTaper.model_validate(i.details)
    text = c.label_of(c.TAPER_PROGRAMMES, d.programme)
    if d.target_mme is not None:
        text += ", " + _("target %(mme)s MME/day") % {"mme": mme.fmt(Decimal(d.target_mme))}
    if d.step_percent:
        text += ", " + _("%(p)s%% per step") % {"p": d.step_percent}
    if d.step_weeks:
        text += ", " + ngettext("every %(n)s week", "every %(n)s weeks", d.step_weeks) % {"n": d.step_weeks}
    return text


KIND = Kind(
    Modality.OPIOID_TAPER,
    descriptive_form(OpioidTaperForm),
    summary,
    plain_from(summary, _l("Lowering your opioid medicine step by step: %(what)s.")),
    bookable=False,
)
