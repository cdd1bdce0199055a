"""Psychological screening: the instrument and its total score, within the instrument's range."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

import pydantic
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import EvaluationKind, PsychInstrument
from . import registry

# The lowest and highest total score of each instrument.
SCORE_RANGES: dict[PsychInstrument, tuple[int, int]] = {
    PsychInstrument.PHQ9: (0, 27),
    PsychInstrument.PHQ2: (0, 6),
    PsychInstrument.GAD7: (0, 21),
    PsychInstrument.PCS: (0, 52),
    PsychInstrument.ORT: (0, 26),
}


def range_message(instrument: PsychInstrument) -> str:
    low, high = SCORE_RANGES[instrument]
    return _("A %(instrument)s score is a whole number from %(low)s to %(high)s.") % {
        "instrument": instrument.label,
        "low": low,
        "high": high,
    }


class PsychFindings(registry.FindingsSchema):
    MESSAGES: ClassVar[Mapping[str, Any]] = {
        "instrument": gettext_lazy("Choose the screening instrument from the list."),
        "score": gettext_lazy("The score is a whole number."),
    }

    instrument: PsychInstrument | None = None
    score: pydantic.StrictInt | None = None

    @pydantic.model_validator(mode="after")
    def _score_in_range(self) -> Self:
        if self.instrument is None and self.score is None:
            return self
        if self.instrument is None:
            raise registry.refuse(_("Choose the screening instrument from the list."))
        low, high = SCORE_RANGES[self.instrument]
        if self.score is None or not low <= self.score <= high:
            raise registry.refuse(range_message(self.instrument))
        return self

    def lines(self) -> list[str]:
        if self.instrument is None:
            return []
        return [f"{PsychInstrument(self.instrument).label}: {self.score}"]


class Psych(registry.EvaluationType):
    kind: ClassVar[str] = EvaluationKind.PSYCH
    schema: ClassVar[type[registry.FindingsSchema]] = PsychFindings

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "f_instrument": forms.ChoiceField(
                label=gettext_lazy("Instrument"), choices=[("", "—"), *PsychInstrument.choices], required=False
            ),
            "f_score": forms.IntegerField(label=gettext_lazy("Score"), required=False, min_value=0, max_value=100),
        }

    def from_form(self, cleaned: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        instrument, score = cleaned.get("f_instrument") or None, cleaned.get("f_score")
        if instrument is None and score is None:
            return {}, {}
        errors: dict[str, str] = {}
        if instrument is None:
            errors["f_instrument"] = _("Choose the instrument.")
        if score is None:
            errors["f_score"] = _("Give the score.")
        elif instrument in SCORE_RANGES:
            low, high = SCORE_RANGES[PsychInstrument(instrument)]
            if not low <= score <= high:
                errors["f_score"] = range_message(PsychInstrument(instrument))
        return {"instrument": instrument, "score": score}, errors

    def initial(self, findings: registry.FindingsSchema) -> dict[str, Any]:
        assert isinstance(findings, PsychFindings)  # noqa: S101 - the schema of this type
        return {"f_instrument": findings.instrument or "", "f_score": findings.score}


registry.register(Psych())
