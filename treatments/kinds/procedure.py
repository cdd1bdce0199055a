"""Interventional procedures and their results (pain before and after, relief, how long)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from patients import spine

from .. import choices as c
from ..choices import Modality
from ..models import Intervention, ProcedureDetail
from .base import InterventionForm, Kind, initial_of

# Plain words for the patient.
PLAIN = {
    "esi_interlaminar": _l("an injection of steroid medicine near the spinal nerves"),
    "esi_transforaminal": _l("an injection of steroid medicine near the spinal nerves"),
    "nerve_block": _l("an injection to block a painful nerve"),
    "medial_branch_block": _l("a test injection to numb the nerves of the small spine joints"),
    "facet_injection": _l("an injection into the small joints of the spine"),
    "rfa": _l("a treatment that uses heat to quiet the nerves of painful joints"),
    "si_injection": _l("an injection into the joint between the spine and the pelvis"),
    "scs_implant": _l("placing a spinal cord stimulator"),
    "pump_implant": _l("placing a pain medicine pump"),
    "other": _l("a procedure"),
}


class ProcedureForm(InterventionForm, forms.ModelForm):
    date_labels = (_l("Date"), _l("End date (if more than one day)"))
    levels = forms.MultipleChoiceField(label=_l("Levels"), choices=spine.LEVEL_CHOICES, required=False)

    class Meta:
        model = ProcedureDetail
        fields = [
            "procedure_type", "cpt_code", "cpt_confirmed", "levels", "side",
            "pain_before", "pain_after", "percent_relief", "relief_duration", "relief_duration_unit",
        ]  # fmt: skip

    def detail(self) -> ProcedureDetail:
        return self.instance


def form(data: Any = None, *, intervention: Intervention | None = None) -> ProcedureForm:
    instance = intervention.procedure if intervention is not None else None
    return ProcedureForm(data, instance=instance, initial=initial_of(intervention))


def result(p: ProcedureDetail) -> str:
    bits = []
    if p.pain_before is not None and p.pain_after is not None:
        bits.append(_("pain %(b)s → %(a)s") % {"b": p.pain_before, "a": p.pain_after})
    if p.percent_relief is not None:
        bits.append(_("%(p)s%% relief") % {"p": p.percent_relief})
    if p.relief_duration is not None:
        unit = c.label_of(c.DURATION_UNITS, p.relief_duration_unit)
        bits.append(_("lasting %(n)s %(unit)s") % {"n": p.relief_duration, "unit": unit})
    return ", ".join(str(b) for b in bits)


def summary(i: Intervention) -> str:
    p = i.procedure
    parts = [c.label_of(c.PROCEDURE_TYPES, p.procedure_type)]
    if p.cpt_code:
        parts.append(f"CPT {p.cpt_code}")
    if p.levels:
        parts.append(spine.span(p.levels))
    if p.side:
        parts.append(c.label_of(c.SIDES, p.side).lower())
    text = ", ".join(part for part in parts if part)
    outcome = result(p)
    return f"{text}. {outcome}" if outcome else text


def plain(i: Intervention) -> str:
    what = PLAIN.get(i.procedure.procedure_type, PLAIN["other"])
    return _("A procedure: %(what)s.") % {"what": what}


def booking(i: Intervention) -> str:
    return c.label_of(c.PROCEDURE_TYPES, i.procedure.procedure_type)


KIND = Kind(Modality.PROCEDURE, form, summary, plain, booking=booking)
