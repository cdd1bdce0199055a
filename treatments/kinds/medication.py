"""Medication: a prescription with a typed dose, counted into MME (``treatments.mme``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from .. import choices as c
from ..choices import Modality
from ..models import Intervention, Medication
from .base import DetailForm, Kind, number

CONFIRM_LABEL = _l("I confirm this dose")
CONFIRM_HELP = _l(
    "Needed for a dose of 90 MME/day or more, a dose above the platform's plausibility ceiling for the "
    "drug, or a second prescription of the same drug."
)


class MedicationForm(DetailForm):
    accessor = "medication"
    date_labels = (_l("Start"), _l("Stop"))
    confirm_dose = forms.BooleanField(label=CONFIRM_LABEL, required=False, help_text=CONFIRM_HELP)

    class Meta:
        model = Medication
        fields = ["drug", "drug_name", "dose", "unit", "frequency", "max_per_day", "route"]

    def options(self) -> dict[str, Any]:
        return {"confirm_dose": bool(self.cleaned_data.get("confirm_dose"))}


def _frequency(m: Medication) -> str:
    return str(c.FREQUENCIES.get(m.frequency, ("", None))[0])


def summary(i: Intervention) -> str:
    return medication_summary(i.medication)


def medication_summary(m: Medication) -> str:
    """Drug, dose, how often and route, as staff read them."""
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


KIND = Kind(Modality.MEDICATION, MedicationForm.make, summary, plain, bookable=False)
