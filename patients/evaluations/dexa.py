"""DEXA (bone density): the T-score, a Decimal to one decimal place, and the site measured."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar

import pydantic
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import DexaSite, EvaluationKind
from . import registry

T_SCORE_LOW, T_SCORE_HIGH = Decimal("-6.0"), Decimal("4.0")
TENTH = Decimal("0.1")

TScore = Annotated[
    Decimal,
    pydantic.Field(ge=T_SCORE_LOW, le=T_SCORE_HIGH, allow_inf_nan=False),
    pydantic.AfterValidator(lambda score: score.quantize(TENTH, rounding=ROUND_HALF_UP)),
    # A JSON number, so the database can compare T-scores (jsonb keeps numbers exact).
    pydantic.PlainSerializer(float, return_type=float, when_used="json"),
]


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


class DexaFindings(registry.FindingsSchema):
    MESSAGES: ClassVar[Mapping[str, Any]] = {
        "t_score": gettext_lazy("The T-score must be between -6.0 and +4.0."),
        "site": gettext_lazy("Choose the site of the DEXA measurement from the list."),
    }

    t_score: TScore | None = None
    site: Annotated[DexaSite | None, pydantic.BeforeValidator(_empty_is_none)] = None

    def lines(self) -> list[str]:
        if self.t_score is None:
            return []
        site = f" ({str(DexaSite(self.site).label).lower()})" if self.site else ""
        return [_("T-score %(score)s") % {"score": f"{self.t_score:+.1f}"} + site]


class Dexa(registry.EvaluationType):
    kind: ClassVar[str] = EvaluationKind.DEXA
    schema: ClassVar[type[registry.FindingsSchema]] = DexaFindings

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "f_t_score": forms.DecimalField(
                label=gettext_lazy("T-score"),
                required=False,
                max_digits=3,
                decimal_places=1,
                min_value=T_SCORE_LOW,
                max_value=T_SCORE_HIGH,
            ),
            "f_site": forms.ChoiceField(
                label=gettext_lazy("Site"), choices=[("", "—"), *DexaSite.choices], required=False
            ),
        }

    def from_form(self, cleaned: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        return {"t_score": cleaned.get("f_t_score"), "site": cleaned.get("f_site") or None}, {}

    def initial(self, findings: registry.FindingsSchema) -> dict[str, Any]:
        assert isinstance(findings, DexaFindings)  # noqa: S101 - the schema of this type
        return {"f_t_score": findings.t_score, "f_site": findings.site or ""}


registry.register(Dexa())
