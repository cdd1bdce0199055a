"""Neuromodulation trials (spinal cord stimulator, intrathecal pump) and the trial rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from patients import spine

from .. import choices as c
from .. import trials
from ..choices import Modality
from ..models import Intervention, NeuromodulationTrial, TrialOutcome
from .base import InterventionForm, Kind, initial_of, number


class TrialForm(InterventionForm, forms.ModelForm):
    date_labels = (_l("Trial start"), _l("Trial end"))
    levels = forms.MultipleChoiceField(label=_l("Lead levels"), choices=spine.LEVEL_CHOICES, required=False)

    class Meta:
        model = NeuromodulationTrial
        fields = [
            "device", "cpt_code", "cpt_confirmed", "levels", "baseline_nrs", "trial_nrs", "analgesic_change", "decision",
        ]  # fmt: skip

    def detail(self) -> NeuromodulationTrial:
        return self.instance


def form(data: Any = None, *, intervention: Intervention | None = None) -> TrialForm:
    instance = intervention.trial if intervention is not None else None
    return TrialForm(data, instance=instance, initial=initial_of(intervention))


def summary(i: Intervention) -> str:
    t = i.trial
    parts = [c.label_of(c.DEVICES, t.device)]
    if t.levels:
        parts.append(spine.span(t.levels))
    if t.baseline_nrs is not None and t.trial_nrs is not None:
        parts.append(_("pain %(b)s → %(a)s") % {"b": number(t.baseline_nrs), "a": number(t.trial_nrs)})
    return ", ".join(str(p) for p in parts if p)


def plain(i: Intervention) -> str:
    if i.trial.device == trials.PUMP:
        return _("A trial of pain medicine given near the spinal cord, to see whether a pump would help you.")
    return _("A trial of a spinal cord stimulator for a few days, to see whether it eases your pain.")


def booking(i: Intervention) -> str:
    return c.label_of(c.DEVICES, i.trial.device)


def verdict(outcome: TrialOutcome) -> str:
    """The trial's result in a sentence, for the timeline."""
    said = _("success") if outcome.success else _("not a success")
    text = _("%(relief)s%% relief: %(verdict)s by the trial rule") % {"relief": outcome.relief, "verdict": said}
    if outcome.decision:
        return f"{text}; {_('decision')}: {c.label_of(c.DECISIONS, outcome.decision)}"
    return text


KIND = Kind(Modality.NEUROMODULATION_TRIAL, form, summary, plain, booking=booking)
