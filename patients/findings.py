"""Structured findings of an evaluation, one schema per kind (issue 3, CLINICAL.md).

An evaluation stores its findings as a JSON object whose shape depends on its kind:

- imaging (MRI, CT, X-ray, flexion-extension X-ray, bone scan): for each finding the kind can
  show, the spinal levels where it was seen: ``{"stenosis": ["L4", "L5"], "with_contrast": true}``
- EMG / nerve conduction: ``{"radiculopathies": [{"level": "L5", "side": "left", "chronicity": "chronic"}]}``
- DEXA: ``{"t_score": -2.6, "site": "lumbar_spine"}``
- blood test: ``{"values": [{"name": "crp", "value": 12.5, "unit": "mg/L"}]}``
- psychological screening: ``{"instrument": "phq9", "score": 14}``
- physical and functional examination: ``{"straight_leg_raise": "left", "motor_deficit": true, ...}``

This module validates that shape (``validate_findings``), builds the per-kind form fields and
reads them back (``form_fields``, ``from_form``, ``initial_from``), and writes findings as short
lines of text for the chart (``summary``). Empty parts are dropped, so ``{}`` means "none recorded".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import EvaluationKind as K
from .spine import LEVEL_CHOICES, LEVELS, ordered, span

# --- Imaging: findings at levels ----------------------------------------------------------------

LEVEL_FINDINGS: dict[str, Any] = {
    "recurrent_herniation": gettext_lazy("Recurrent herniation"),
    "epidural_fibrosis": gettext_lazy("Epidural fibrosis"),
    "stenosis": gettext_lazy("Stenosis"),
    "adjacent_segment_degeneration": gettext_lazy("Adjacent segment degeneration"),
    "pseudarthrosis": gettext_lazy("Pseudarthrosis"),
    "hardware_loosening": gettext_lazy("Hardware loosening"),
    "instability": gettext_lazy("Instability (abnormal motion)"),
    "increased_uptake": gettext_lazy("Increased uptake"),
}

IMAGING: dict[str, tuple[str, ...]] = {
    K.MRI: (
        "recurrent_herniation",
        "epidural_fibrosis",
        "stenosis",
        "adjacent_segment_degeneration",
        "pseudarthrosis",
        "hardware_loosening",
    ),
    K.CT: ("recurrent_herniation", "stenosis", "adjacent_segment_degeneration", "pseudarthrosis", "hardware_loosening"),
    K.XRAY: ("adjacent_segment_degeneration", "pseudarthrosis", "hardware_loosening"),
    K.FLEXION_EXTENSION: ("instability", "pseudarthrosis", "hardware_loosening"),
    K.BONE_SCAN: ("increased_uptake", "pseudarthrosis", "hardware_loosening"),
}

# --- EMG ----------------------------------------------------------------------------------------

SIDES = [("left", gettext_lazy("Left")), ("right", gettext_lazy("Right")), ("bilateral", gettext_lazy("Bilateral"))]
CHRONICITY = [
    ("acute", gettext_lazy("Acute")),
    ("chronic", gettext_lazy("Chronic")),
    ("acute_on_chronic", gettext_lazy("Acute on chronic")),
]
EMG_ROWS = 3

# --- DEXA ---------------------------------------------------------------------------------------

DEXA_SITES = [
    ("lumbar_spine", gettext_lazy("Lumbar spine")),
    ("total_hip", gettext_lazy("Total hip")),
    ("femoral_neck", gettext_lazy("Femoral neck")),
]
T_SCORE_RANGE = (-6.0, 4.0)

# --- Blood tests: named values with their units (CLINICAL.md: inflammation, infection, vitamin D, HbA1c)


@dataclass(frozen=True)
class Analyte:
    label: Any
    units: tuple[str, ...]
    upper: float  # anything above is a typing error, not a result


ANALYTES: dict[str, Analyte] = {
    "crp": Analyte(gettext_lazy("C-reactive protein"), ("mg/L", "mg/dL"), 1000),
    "esr": Analyte(gettext_lazy("ESR"), ("mm/h",), 200),
    "wbc": Analyte(gettext_lazy("White cell count"), ("10^9/L",), 500),
    "vitamin_d": Analyte(gettext_lazy("25-OH vitamin D"), ("ng/mL", "nmol/L"), 1000),
    "hba1c": Analyte(gettext_lazy("HbA1c"), ("%", "mmol/mol"), 200),
    "glucose": Analyte(gettext_lazy("Glucose"), ("mmol/L", "mg/dL"), 2000),
    "procalcitonin": Analyte(gettext_lazy("Procalcitonin"), ("ng/mL",), 1000),
}
UNITS = sorted({unit for a in ANALYTES.values() for unit in a.units})
BLOOD_ROWS = 4

# --- Psychological screening: instrument and total score ---------------------------------------


@dataclass(frozen=True)
class Instrument:
    label: str
    low: int
    high: int


INSTRUMENTS: dict[str, Instrument] = {
    "phq9": Instrument("PHQ-9", 0, 27),
    "phq2": Instrument("PHQ-2", 0, 6),
    "gad7": Instrument("GAD-7", 0, 21),
    "pcs": Instrument("PCS (pain catastrophising)", 0, 52),
    "ort": Instrument("ORT (opioid risk)", 0, 26),
}

# --- Physical and functional examination ------------------------------------------------------

SLR = [("negative", gettext_lazy("Negative")), *SIDES]
EXAM_SIGNS: dict[str, Any] = {
    "motor_deficit": gettext_lazy("Motor deficit"),
    "sensory_deficit": gettext_lazy("Sensory deficit"),
    "reflex_change": gettext_lazy("Reflex change"),
    "facet_loading_pain": gettext_lazy("Pain on facet loading"),
    "si_provocation": gettext_lazy("Positive sacroiliac provocation tests"),
}


# --- Validation -----------------------------------------------------------------------------------


def _number(value: Any, low: float, high: float, message: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(message)
    if not low <= value <= high:
        raise ValidationError(message)
    return float(value)


def _levels(value: Any, label: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("%(finding)s: choose levels from C1 to S1.") % {"finding": label})
    return ordered(value)


def validate_findings(kind: str, data: Any) -> dict[str, Any]:
    """The findings in their clean shape for ``kind``; ValidationError when they do not fit it."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError(_("The findings are not in the expected form."))
    validator = _VALIDATORS.get(kind)
    if validator is None:
        raise ValidationError(_("Unknown kind of evaluation."))
    return validator(kind, data)


def _only(data: dict[str, Any], allowed: set[str]) -> None:
    if set(data) - allowed:
        raise ValidationError(_("The findings hold entries that do not belong to this kind of evaluation."))


def _imaging(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    keys = IMAGING[kind]
    _only(data, {*keys, "with_contrast"})
    clean: dict[str, Any] = {}
    for key in keys:
        levels = _levels(data.get(key, []), LEVEL_FINDINGS[key])
        if levels:
            clean[key] = levels
    if "with_contrast" in data:
        if kind != K.MRI or not isinstance(data["with_contrast"], bool):
            raise ValidationError(_("Contrast is recorded for MRI only, as yes or no."))
        if data["with_contrast"]:
            clean["with_contrast"] = True
    return clean


def _emg(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    _only(data, {"radiculopathies"})
    rows = data.get("radiculopathies", [])
    if not isinstance(rows, list):
        raise ValidationError(_("Radiculopathies must be a list."))
    clean = []
    for row in rows:
        if not isinstance(row, dict) or set(row) != {"level", "side", "chronicity"}:
            raise ValidationError(_("Each radiculopathy needs its level, side, and whether acute or chronic."))
        if row["level"] not in LEVELS:
            raise ValidationError(_("Radiculopathy: choose a level from C1 to S1."))
        if row["side"] not in dict(SIDES) or row["chronicity"] not in dict(CHRONICITY):
            raise ValidationError(_("Radiculopathy: choose the side and whether acute or chronic."))
        clean.append({"level": row["level"], "side": row["side"], "chronicity": row["chronicity"]})
    return {"radiculopathies": clean} if clean else {}


def _dexa(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    _only(data, {"t_score", "site"})
    clean: dict[str, Any] = {}
    if data.get("t_score") is not None:
        low, high = T_SCORE_RANGE
        score = _number(data["t_score"], low, high, _("The T-score must be between -6.0 and +4.0."))
        clean["t_score"] = round(score, 1)
    if data.get("site"):
        if data["site"] not in dict(DEXA_SITES):
            raise ValidationError(_("Choose the site of the DEXA measurement from the list."))
        clean["site"] = data["site"]
    return clean


def _blood(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    _only(data, {"values"})
    rows = data.get("values", [])
    if not isinstance(rows, list):
        raise ValidationError(_("Blood values must be a list."))
    clean = []
    for row in rows:
        if not isinstance(row, dict) or set(row) != {"name", "value", "unit"}:
            raise ValidationError(_("Each blood value needs its test, value and unit."))
        analyte = ANALYTES.get(row["name"]) if isinstance(row["name"], str) else None
        if analyte is None:
            raise ValidationError(_("Choose the blood test from the list."))
        if row["unit"] not in analyte.units:
            raise ValidationError(
                _("%(test)s is measured in %(units)s.") % {"test": analyte.label, "units": " or ".join(analyte.units)}
            )
        value = _number(
            row["value"], 0, analyte.upper, _("%(test)s: the value is out of range.") % {"test": analyte.label}
        )
        clean.append({"name": row["name"], "value": value, "unit": row["unit"]})
    return {"values": clean} if clean else {}


def _psych(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    _only(data, {"instrument", "score"})
    if not data:
        return {}
    name = data.get("instrument")
    instrument = INSTRUMENTS.get(name) if isinstance(name, str) else None
    if instrument is None:
        raise ValidationError(_("Choose the screening instrument from the list."))
    score = data.get("score")
    if isinstance(score, bool) or not isinstance(score, int) or not instrument.low <= score <= instrument.high:
        raise ValidationError(
            _("A %(instrument)s score is a whole number from %(low)s to %(high)s.")
            % {"instrument": instrument.label, "low": instrument.low, "high": instrument.high}
        )
    return {"instrument": data["instrument"], "score": score}


def _exam(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    _only(data, {"straight_leg_raise", *EXAM_SIGNS})
    clean: dict[str, Any] = {}
    slr = data.get("straight_leg_raise")
    if slr:
        if slr not in dict(SLR):
            raise ValidationError(_("Choose the straight leg raise result from the list."))
        clean["straight_leg_raise"] = slr
    for key in EXAM_SIGNS:
        if key in data:
            if not isinstance(data[key], bool):
                raise ValidationError(_("Examination signs are recorded as yes or no."))
            if data[key]:
                clean[key] = True
    return clean


_VALIDATORS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    **dict.fromkeys(IMAGING, _imaging),
    K.EMG: _emg,
    K.DEXA: _dexa,
    K.BLOOD: _blood,
    K.PSYCH: _psych,
    K.EXAM: _exam,
}


# --- Text for the chart ---------------------------------------------------------------------------


def summary(kind: str, data: dict[str, Any]) -> list[str]:
    """Findings as short lines ("Stenosis: L4-L5"); stored oddities are skipped, never raised."""
    if not isinstance(data, dict):
        return []
    lines: list[str] = []
    try:
        if kind in IMAGING:
            for key in IMAGING[kind]:
                if data.get(key):
                    lines.append(f"{LEVEL_FINDINGS[key]}: {span(data[key])}")
            if data.get("with_contrast"):
                lines.append(_("With contrast"))
        elif kind == K.EMG:
            for row in data.get("radiculopathies", []):
                lines.append(
                    _("Radiculopathy %(level)s, %(side)s, %(chronicity)s")
                    % {
                        "level": row["level"],
                        "side": str(dict(SIDES)[row["side"]]).lower(),
                        "chronicity": str(dict(CHRONICITY)[row["chronicity"]]).lower(),
                    }
                )
        elif kind == K.DEXA:
            if data.get("t_score") is not None:
                site = dict(DEXA_SITES).get(data.get("site", ""), "")
                lines.append(
                    _("T-score %(score)+.1f") % {"score": data["t_score"]} + (f" ({str(site).lower()})" if site else "")
                )
        elif kind == K.BLOOD:
            for row in data.get("values", []):
                lines.append(f"{ANALYTES[row['name']].label}: {row['value']:g} {row['unit']}")
        elif kind == K.PSYCH:
            if data.get("instrument"):
                lines.append(f"{INSTRUMENTS[data['instrument']].label}: {data['score']}")
        elif kind == K.EXAM:
            if data.get("straight_leg_raise"):
                lines.append(
                    _("Straight leg raise: %(result)s") % {"result": str(dict(SLR)[data["straight_leg_raise"]]).lower()}
                )
            lines.extend(str(label) for key, label in EXAM_SIGNS.items() if data.get(key))
    except (KeyError, TypeError, ValueError, ValidationError):
        return lines
    return lines


# --- Form fields per kind -------------------------------------------------------------------------
# Field names start with "f_" so they never collide with the evaluation's own fields.


def _level_select(label: Any, required: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[("", "—"), *LEVEL_CHOICES], required=required)


def form_fields(kind: str) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    if kind in IMAGING:
        for key in IMAGING[kind]:
            fields[f"f_{key}"] = forms.MultipleChoiceField(
                label=LEVEL_FINDINGS[key],
                choices=LEVEL_CHOICES,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "levels"}),
            )
        if kind == K.MRI:
            fields["f_with_contrast"] = forms.BooleanField(label=gettext_lazy("With contrast"), required=False)
    elif kind == K.EMG:
        for n in range(1, EMG_ROWS + 1):
            fields[f"f_emg_{n}_level"] = _level_select(gettext_lazy("Radiculopathy level"))
            fields[f"f_emg_{n}_side"] = forms.ChoiceField(
                label=gettext_lazy("Side"), choices=[("", "—"), *SIDES], required=False
            )
            fields[f"f_emg_{n}_chronicity"] = forms.ChoiceField(
                label=gettext_lazy("Acute or chronic"), choices=[("", "—"), *CHRONICITY], required=False
            )
    elif kind == K.DEXA:
        fields["f_t_score"] = forms.DecimalField(
            label=gettext_lazy("T-score"),
            required=False,
            max_digits=3,
            decimal_places=1,
            min_value=T_SCORE_RANGE[0],
            max_value=T_SCORE_RANGE[1],
        )
        fields["f_site"] = forms.ChoiceField(
            label=gettext_lazy("Site"), choices=[("", "—"), *DEXA_SITES], required=False
        )
    elif kind == K.BLOOD:
        names = [("", "—"), *((key, a.label) for key, a in ANALYTES.items())]
        for n in range(1, BLOOD_ROWS + 1):
            fields[f"f_blood_{n}_name"] = forms.ChoiceField(label=gettext_lazy("Test"), choices=names, required=False)
            fields[f"f_blood_{n}_value"] = forms.DecimalField(
                label=gettext_lazy("Value"), required=False, min_value=0, max_digits=8, decimal_places=2
            )
            fields[f"f_blood_{n}_unit"] = forms.ChoiceField(
                label=gettext_lazy("Unit"), choices=[("", "—"), *((u, u) for u in UNITS)], required=False
            )
    elif kind == K.PSYCH:
        fields["f_instrument"] = forms.ChoiceField(
            label=gettext_lazy("Instrument"),
            choices=[("", "—"), *((key, i.label) for key, i in INSTRUMENTS.items())],
            required=False,
        )
        fields["f_score"] = forms.IntegerField(label=gettext_lazy("Score"), required=False, min_value=0, max_value=100)
    elif kind == K.EXAM:
        fields["f_straight_leg_raise"] = forms.ChoiceField(
            label=gettext_lazy("Straight leg raise"), choices=[("", "—"), *SLR], required=False
        )
        for key, label in EXAM_SIGNS.items():
            fields[f"f_{key}"] = forms.BooleanField(label=label, required=False)
    return fields


def from_form(kind: str, cleaned: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The findings read from a form's cleaned data, and per-field messages for half-filled rows."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    if kind in IMAGING:
        for key in IMAGING[kind]:
            data[key] = list(cleaned.get(f"f_{key}") or [])
        if kind == K.MRI:
            data["with_contrast"] = bool(cleaned.get("f_with_contrast"))
    elif kind == K.EMG:
        rows = []
        for n in range(1, EMG_ROWS + 1):
            row = {part: cleaned.get(f"f_emg_{n}_{part}") or "" for part in ("level", "side", "chronicity")}
            if any(row.values()):
                missing = [part for part, value in row.items() if not value]
                for part in missing:
                    errors[f"f_emg_{n}_{part}"] = _("Give the level, side, and whether acute or chronic.")
                rows.append(row)
        data["radiculopathies"] = rows
    elif kind == K.DEXA:
        score = cleaned.get("f_t_score")
        data["t_score"] = float(score) if score is not None else None
        data["site"] = cleaned.get("f_site") or ""
    elif kind == K.BLOOD:
        rows = []
        for n in range(1, BLOOD_ROWS + 1):
            name, value, unit = (cleaned.get(f"f_blood_{n}_{part}") for part in ("name", "value", "unit"))
            if name or value is not None or unit:
                if not name:
                    errors[f"f_blood_{n}_name"] = _("Choose the test.")
                if value is None:
                    errors[f"f_blood_{n}_value"] = _("Give the value.")
                if not unit:
                    errors[f"f_blood_{n}_unit"] = _("Choose the unit.")
                elif name in ANALYTES and unit not in ANALYTES[name].units:
                    errors[f"f_blood_{n}_unit"] = _("%(test)s is measured in %(units)s.") % {
                        "test": ANALYTES[name].label,
                        "units": " or ".join(ANALYTES[name].units),
                    }
                rows.append({"name": name, "value": float(value) if value is not None else None, "unit": unit})
        data["values"] = rows
    elif kind == K.PSYCH:
        instrument, score = cleaned.get("f_instrument"), cleaned.get("f_score")
        if instrument or score is not None:
            if not instrument:
                errors["f_instrument"] = _("Choose the instrument.")
            if score is None:
                errors["f_score"] = _("Give the score.")
            elif instrument in INSTRUMENTS and not INSTRUMENTS[instrument].low <= score <= INSTRUMENTS[instrument].high:
                i = INSTRUMENTS[instrument]
                errors["f_score"] = _("A %(instrument)s score is a whole number from %(low)s to %(high)s.") % {
                    "instrument": i.label,
                    "low": i.low,
                    "high": i.high,
                }
            data = {"instrument": instrument, "score": score}
    elif kind == K.EXAM:
        data["straight_leg_raise"] = cleaned.get("f_straight_leg_raise") or ""
        for key in EXAM_SIGNS:
            data[key] = bool(cleaned.get(f"f_{key}"))
    return data, errors


def initial_from(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Form initial values from stored findings (the inverse of ``from_form``)."""
    if not isinstance(data, dict):
        return {}
    initial: dict[str, Any] = {}
    if kind in IMAGING:
        for key in IMAGING[kind]:
            initial[f"f_{key}"] = data.get(key, [])
        initial["f_with_contrast"] = bool(data.get("with_contrast"))
    elif kind == K.EMG:
        for n, row in enumerate(data.get("radiculopathies", [])[:EMG_ROWS], start=1):
            for part in ("level", "side", "chronicity"):
                initial[f"f_emg_{n}_{part}"] = row.get(part, "")
    elif kind == K.DEXA:
        initial["f_t_score"] = data.get("t_score")
        initial["f_site"] = data.get("site", "")
    elif kind == K.BLOOD:
        for n, row in enumerate(data.get("values", [])[:BLOOD_ROWS], start=1):
            for part in ("name", "value", "unit"):
                initial[f"f_blood_{n}_{part}"] = row.get(part)
    elif kind == K.PSYCH:
        initial["f_instrument"] = data.get("instrument", "")
        initial["f_score"] = data.get("score")
    elif kind == K.EXAM:
        initial["f_straight_leg_raise"] = data.get("straight_leg_raise", "")
        for key in EXAM_SIGNS:
            initial[f"f_{key}"] = bool(data.get(key))
    return initial
