"""The imaging kinds: findings at spinal levels (MRI, CT, X-ray, flexion-extension X-ray, bone scan).

They differ only in the findings each can show (in the order the chart lists them) and in
whether contrast is recorded (MRI), so they share this module: one schema class and one
registration per kind at the end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar

import pydantic
from crispy_forms.bootstrap import InlineCheckboxes
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..choices import EvaluationKind, ImagingFinding
from ..spine import LEVEL_CHOICES, ordered, span
from . import registry
from .registry import EvaluationType, FindingsSchema, refuse

CONTRAST_MESSAGE = "Contrast is recorded for MRI only, as yes or no."


def _ordered(levels: list[str]) -> list[str]:
    try:
        return ordered(levels)
    except ValidationError as exc:
        raise refuse(exc.messages[0]) from None


# Spinal levels where a finding was seen, head to tail; unknown levels are refused.
Levels = Annotated[list[pydantic.StrictStr], pydantic.AfterValidator(_ordered)]


class ImagingFindings(FindingsSchema):
    """Findings at levels; subclasses declare one ``Levels`` field per ``ImagingFinding`` they show."""

    CONTRAST: ClassVar[bool] = False  # only MRI records whether contrast was given

    @pydantic.model_validator(mode="before")
    @classmethod
    def _contrast_for_mri_only(cls, data: Any) -> Any:
        if isinstance(data, dict) and "with_contrast" in data and not cls.CONTRAST:
            raise refuse(_(CONTRAST_MESSAGE))
        return data

    @classmethod
    def message_for(cls, field: str) -> str:
        if field in ImagingFinding.values:
            return _("%(finding)s: choose levels from C1 to S1.") % {"finding": ImagingFinding(field).label}
        if field == "with_contrast":
            return _(CONTRAST_MESSAGE)
        return super().message_for(field)

    @classmethod
    def finding_names(cls) -> list[str]:
        return [name for name in cls.model_fields if name in ImagingFinding.values]

    def levels_of(self, name: str) -> list[str]:
        levels: list[str] = getattr(self, name)
        return levels

    @property
    def contrast_given(self) -> bool:
        return bool(getattr(self, "with_contrast", False))

    def lines(self) -> list[str]:
        lines = [
            f"{ImagingFinding(name).label}: {span(self.levels_of(name))}"
            for name in self.finding_names()
            if self.levels_of(name)
        ]
        if self.contrast_given:
            lines.append(_("With contrast"))
        return lines


class ImagingType(EvaluationType):
    schema: ClassVar[type[ImagingFindings]]

    def form_fields(self) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {
            f"f_{name}": forms.MultipleChoiceField(
                label=ImagingFinding(name).label,
                choices=LEVEL_CHOICES,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "levels"}),
            )
            for name in self.schema.finding_names()
        }
        if self.schema.CONTRAST:
            fields["f_with_contrast"] = forms.BooleanField(label=_("With contrast"), required=False)
        return fields

    def from_form(self, cleaned: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        data: dict[str, Any] = {name: list(cleaned.get(f"f_{name}") or []) for name in self.schema.finding_names()}
        if self.schema.CONTRAST:
            data["with_contrast"] = bool(cleaned.get("f_with_contrast"))
        return data, {}

    def initial(self, findings: FindingsSchema) -> dict[str, Any]:
        assert isinstance(findings, ImagingFindings)  # noqa: S101 - the schema of this type
        initial: dict[str, Any] = {f"f_{name}": findings.levels_of(name) for name in findings.finding_names()}
        initial["f_with_contrast"] = findings.contrast_given
        return initial

    def layout(self, names: Sequence[str]) -> list[Any]:
        return [InlineCheckboxes(n) if n != "f_with_contrast" else n for n in names]


def _register(kind: str, schema: type[ImagingFindings]) -> None:
    registry.register(type(f"{schema.__name__}Type", (ImagingType,), {"kind": kind, "schema": schema})())


class MriFindings(ImagingFindings):
    CONTRAST: ClassVar[bool] = True

    recurrent_herniation: Levels = []
    epidural_fibrosis: Levels = []
    stenosis: Levels = []
    adjacent_segment_degeneration: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []
    with_contrast: pydantic.StrictBool = False


class CtFindings(ImagingFindings):
    recurrent_herniation: Levels = []
    stenosis: Levels = []
    adjacent_segment_degeneration: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []


class XrayFindings(ImagingFindings):
    adjacent_segment_degeneration: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []


class FlexionExtensionFindings(ImagingFindings):
    """Abnormal motion between flexion and extension, and signs of a failed fusion."""

    instability: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []


class BoneScanFindings(ImagingFindings):
    increased_uptake: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []


_register(EvaluationKind.MRI, MriFindings)
_register(EvaluationKind.CT, CtFindings)
_register(EvaluationKind.XRAY, XrayFindings)
_register(EvaluationKind.FLEXION_EXTENSION, FlexionExtensionFindings)
_register(EvaluationKind.BONE_SCAN, BoneScanFindings)
