"""Physical and functional examination: straight leg raise and the signs found (yes or no each)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

import pydantic
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import EvaluationKind, StraightLegRaise
from . import registry

SIGNS: dict[str, Any] = {
    "motor_deficit": gettext_lazy("Motor deficit"),
    "sensory_deficit": gettext_lazy("Sensory deficit"),
    "reflex_change": gettext_lazy("Reflex change"),
    "facet_loading_pain": gettext_lazy("Pain on facet loading"),
    "si_provocation": gettext_lazy("Positive sacroiliac provocation tests"),
}
YES_OR_NO = gettext_lazy("Examination signs are recorded as yes or no.")


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


class ExamFindings(registry.FindingsSchema):
    MESSAGES: ClassVar[Mapping[str, Any]] = {
        "straight_leg_raise": gettext_lazy("Choose the straight leg raise result from the list."),
        **dict.fromkeys(SIGNS, YES_OR_NO),
    }

    straight_leg_raise: Annotated[StraightLegRaise | None, pydantic.BeforeValidator(_empty_is_none)] = None
    motor_deficit: pydantic.StrictBool = False
    sensory_deficit: pydantic.StrictBool = False
    reflex_change: pydantic.StrictBool = False
    facet_loading_pain: pydantic.StrictBool = False
    si_provocation: pydantic.StrictBool = False

    def signs_found(self) -> list[str]:
        return [name for name in SIGNS if getattr(self, name)]

    def lines(self) -> list[str]:
        lines = []
        if self.straight_leg_raise:
            result = str(StraightLegRaise(self.straight_leg_raise).label).lower()
            lines.append(_("Straight leg raise: %(result)s") % {"result": result})
        lines.extend(str(SIGNS[name]) for name in self.signs_found())
        return lines


class Exam(registry.EvaluationType):
    kind: ClassVar[str] = EvaluationKind.EXAM
    schema: ClassVar[type[registry.FindingsSchema]] = ExamFindings

    def form_fields(self) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {
            "f_straight_leg_raise": forms.ChoiceField(
                label=gettext_lazy("Straight leg raise"), choices=[("", "—"), *StraightLegRaise.choices], required=False
            )
        }
        fields.update({f"f_{name}": forms.BooleanField(label=label, required=False) for name, label in SIGNS.items()})
        return fields

    def from_form(self, cleaned: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        data: dict[str, Any] = {"straight_leg_raise": cleaned.get("f_straight_leg_raise") or None}
        data.update({name: bool(cleaned.get(f"f_{name}")) for name in SIGNS})
        return data, {}

    def initial(self, findings: registry.FindingsSchema) -> dict[str, Any]:
        assert isinstance(findings, ExamFindings)  # noqa: S101 - the schema of this type
        initial: dict[str, Any] = {"f_straight_leg_raise": findings.straight_leg_raise or ""}
        initial.update({f"f_{name}": name in findings.signs_found() for name in SIGNS})
        return initial


registry.register(Exam())
