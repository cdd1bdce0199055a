"""The kinds of intervention, one module each: its form, its summary for staff, its plain words
for the patient, and what the front desk books. Adding a kind is one module here, its entry in
``treatments.choices`` and, for a descriptive kind, its schema in ``treatments.schemas``.
"""

from __future__ import annotations

from typing import Any

from clinics import history
from clinics.history import FieldChange

from ..choices import MODALITY_DISCIPLINE
from ..models import DETAIL_MODELS, Intervention, InterventionDetail
from ..schemas import Details, parse
from . import (
    complementary,
    lifestyle,
    medication,
    neuromodulation,
    physical_therapy,
    procedure,
    psychological,
    revision,
    taper,
)
from .base import InterventionForm, Kind

KINDS: dict[str, Kind] = {
    module.KIND.modality: module.KIND
    for module in (
        medication,
        physical_therapy,
        procedure,
        neuromodulation,
        psychological,
        complementary,
        revision,
        lifestyle,
        taper,
    )
}

__all__ = [
    "KINDS",
    "InterventionForm",
    "Kind",
    "detail_from",
    "discipline_of",
    "form_for",
    "kind_of",
    "plain",
    "summary",
]


def kind_of(modality: str) -> Kind:
    return KINDS[modality]


def discipline_of(modality: str) -> str:
    return MODALITY_DISCIPLINE[modality]


def summary(i: Intervention) -> str:
    return KINDS[i.modality].summary(i)


def plain(i: Intervention) -> str:
    return KINDS[i.modality].plain(i)


def booking(i: Intervention) -> str:
    return KINDS[i.modality].booking(i)


def form_for(modality: str, data: Any = None, *, intervention: Intervention | None = None) -> InterventionForm:
    """The form of ``modality``: the intervention's fields and the kind's, with a crispy layout."""
    return KINDS[modality].form(data, intervention=intervention)


def details_changes(modality: str, before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """A change of a descriptive kind's details, key by key, labelled and in words."""
    kind = KINDS.get(modality)
    fields = kind.form().fields if kind else {}
    changed: list[FieldChange] = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) == after.get(key):
            continue
        f = fields.get(key)
        label = str(f.label) if f is not None and f.label else key
        changed.append(FieldChange(label, _in_words(f, before.get(key)), _in_words(f, after.get(key))))
    return changed


def _in_words(f: Any, value: Any) -> str:
    options = {str(k): str(v) for k, v in getattr(f, "choices", None) or []}
    if not options or value in (None, "", []):
        return history.plain(value)
    values = value if isinstance(value, list) else [value]
    return ", ".join(options.get(str(v), str(v)) for v in values)


def detail_from(modality: str, values: dict[str, Any]) -> InterventionDetail | Details:
    """Typed details from plain values (demo data, tests): an unsaved row or a parsed schema."""
    detail_model = DETAIL_MODELS.get(modality)
    if detail_model is not None:
        return detail_model(**values)
    return parse(modality, values)
