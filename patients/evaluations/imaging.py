"""The imaging kinds: findings by disc level (MRI, CT, X-ray, flexion-extension X-ray, bone scan).

Each finding is a row (``SpinalFinding``: finding, disc level such as L4-L5, and side where it
matters) edited with a formset; the kinds differ in the findings each can show
(``choices.IMAGING_FINDINGS``) and in whether contrast is recorded (MRI, the one finding kept in
the evaluation's JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pydantic
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import IMAGING_FINDINGS, EvaluationKind, FindingSide
from ..models import SpinalFinding
from . import registry
from .registry import EvaluationType, FindingsSchema

GIVE_FINDING_AND_LEVEL = gettext_lazy("Give the finding and its disc level.")
CHOOSE_FINDING = gettext_lazy("Choose a finding this kind of study shows.")
CHOOSE_LEVEL = gettext_lazy("Choose a disc level from the list, for example L4-L5.")
CHOOSE_SIDE = gettext_lazy("Choose left, right, bilateral or central.")


class MriFindings(FindingsSchema):
    MESSAGES: ClassVar[Mapping[str, Any]] = {"with_contrast": gettext_lazy("Contrast is recorded as yes or no.")}

    with_contrast: pydantic.StrictBool = False

    def lines(self) -> list[str]:
        return [_("With contrast")] if self.with_contrast else []


class SpinalFindingForm(forms.ModelForm):
    """One finding at a disc level; the findings offered are those of the evaluation's kind."""

    KIND: ClassVar[str] = ""

    class Meta:
        model = SpinalFinding
        fields = ["finding", "level", "side"]
        error_messages = {
            "finding": {"required": GIVE_FINDING_AND_LEVEL, "invalid_choice": CHOOSE_FINDING},
            "level": {"required": GIVE_FINDING_AND_LEVEL, "invalid_choice": CHOOSE_LEVEL},
            "side": {"invalid_choice": CHOOSE_SIDE},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        finding = self.fields["finding"]
        assert isinstance(finding, forms.ChoiceField)  # noqa: S101 - narrows the type
        finding.choices = [("", "—"), *((f.value, f.label) for f in IMAGING_FINDINGS[self.KIND])]
        side = self.fields["side"]
        assert isinstance(side, forms.ChoiceField)  # noqa: S101
        side.choices = [("", _("— (no side)")), *FindingSide.choices]


class ImagingType(EvaluationType):
    def form_fields(self) -> dict[str, forms.Field]:
        if self.schema is MriFindings:
            return {"f_with_contrast": forms.BooleanField(label=_("With contrast"), required=False)}
        return {}

    def from_form(self, cleaned: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        if self.schema is MriFindings:
            return {"with_contrast": bool(cleaned.get("f_with_contrast"))}, {}
        return {}, {}

    def initial(self, findings: FindingsSchema) -> dict[str, Any]:
        return {"f_with_contrast": bool(getattr(findings, "with_contrast", False))}


def _register(kind: str, schema: type[FindingsSchema]) -> None:
    form = type(f"{kind.title().replace('_', '')}FindingForm", (SpinalFindingForm,), {"KIND": kind})
    rows = registry.RowTable(
        model=SpinalFinding,
        form=form,
        related_name="spinal_findings",
        title=gettext_lazy("Findings by disc level"),
    )
    attrs = {"kind": kind, "schema": schema, "rows": rows}
    registry.register(type(f"{kind.title().replace('_', '')}Type", (ImagingType,), attrs)())


_register(EvaluationKind.MRI, MriFindings)
_register(EvaluationKind.CT, registry.NoFindings)
_register(EvaluationKind.XRAY, registry.NoFindings)
_register(EvaluationKind.FLEXION_EXTENSION, registry.NoFindings)
_register(EvaluationKind.BONE_SCAN, registry.NoFindings)
