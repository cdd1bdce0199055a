"""Medication: a prescription with a typed dose, counted into MME (``treatments.mme``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from .. import choices as c
from ..choices import Modality
from ..models import Intervention, Medication
from .base import InterventionForm, Kind, initial_of, number


class MedicationForm(InterventionForm, forms.ModelForm):
    date_labels = (_l("Start"), _l("Stop"))

    class Meta:
        model = Medication
        fields = ["drug", "drug_name", "dose", "unit", "frequency", "max_per_day", "route"]

    def detail(self) -> Medication:
        return self.instance


def form(data: Any = None, *, intervention: Intervention | None = None) -> MedicationForm:
    instance = intervention.medication if intervention is not None else None
    return MedicationForm(data, instance=instance, initial=initial_of(intervention))


def _frequency(m: Medication) -> str:
    return str(c.FREQUENCIES.get(m.frequency, ("", None))[0])


def summary(i: Intervention) -> str:
    m = i.medication
    text = f"{m.label} {number(m.dose)} {m.unit}, {_frequency(m).lower()}"
    if m.frequency == c.AS_NEEDED and m.max_per_day:
        text += " " + _("(at most %(n)s a day)") % {"n": m.max_per_day}
    text += f", {c.ROUTE_LABELS.get(m.route, '')}".lower()
    return text


def plain(i: Intervention) -> str:
    m = i.medication
    dose = f"{number(m.dose)} {m.unit}"
    route = str(c.ROUTE_LABELS.get(m.route, "")).lower()
    if m.frequency in c.PATCH_FREQUENCIES:
        return _("%(drug)s: a %(dose)s skin patch. %(freq)s.") % {"drug": m.label, "dose": dose, "freq": _frequency(m)}
    if m.frequency == c.AS_NEEDED:
        return _("%(drug)s: %(dose)s %(route)s when you need it, no more than %(n)s times a day.") % {
            "drug": m.label,
            "dose": dose,
            "route": route,
            "n": m.max_per_day or "",
        }
    return _("%(drug)s: %(dose)s %(route)s, %(freq)s.") % {
        "drug": m.label,
        "dose": dose,
        "route": route,
        "freq": _frequency(m).lower(),
    }


KIND = Kind(Modality.MEDICATION, form, summary, plain, bookable=False)
