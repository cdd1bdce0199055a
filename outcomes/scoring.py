"""Exact scoring of instrument answers, driven by the definition (CLINICAL.md, "Outcome instruments").

Pure functions: no database, no clock. Arithmetic is exact (``Fraction``) and the result is a
``Decimal``; rounding happens once, at the end, half up (see ``round_half_up``).

The scoring methods are a registry keyed by the method name a definition names (``sum``,
``percent_of_answered``, ``single``); no code here knows any instrument by its key.

Answers are a mapping of item key -> the answer as a string, as a form submits it: an option's
``value`` for a choice item, the number for a scale item. A missing key, ``None`` or ``""`` is an
unanswered item. An answer that is not one of the item's options raises ``InvalidAnswer``:
scoring is never asked to guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor

from .definitions import (
    ChoiceItem,
    InstrumentDefinition,
    PercentScore,
    ScaleItem,
    SingleScore,
    SumScore,
    item_max,
)

Answers = Mapping[str, str | int | None]
ScoreSpec = SumScore | PercentScore | SingleScore


class InvalidAnswer(ValueError):
    """An answer that is not one the item offers (names the item, never the patient)."""


@dataclass(frozen=True)
class Alert:
    key: str
    level: str
    item: str
    message: dict[str, str]


@dataclass(frozen=True)
class ScoreResult:
    """One score of a response. ``total`` and ``band`` are None when not scorable; ``reason`` says why."""

    key: str
    total: Decimal | None
    band: str | None
    scorable: bool
    reason: str
    item_scores: dict[str, int | None]
    alerts: tuple[Alert, ...] = ()
    responder: bool | None = None
    # The other scores of the same instrument (PHQ-2 inside PHQ-9), by score key.
    subscores: dict[str, ScoreResult] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """Current minus baseline. ``percent`` is relative to the baseline (None when the baseline is 0),
    shown rounded to one decimal; ``improved`` / ``worsened`` compare the exact values with the
    instrument's meaningful-change threshold (points OR percent)."""

    points: Decimal
    percent: Decimal | None
    improved: bool
    worsened: bool


def round_half_up(value: Fraction, decimals: int) -> Decimal:
    """Round an exact value to ``decimals`` places, halves away from zero (35.55 -> 35.6).

    Chosen over banker's rounding because it is what people do by hand on a paper form, so a
    clinician re-scoring a sheet gets the same figure.
    """
    scale = 10**decimals
    magnitude = floor(abs(value) * scale + Fraction(1, 2))
    return (Decimal(magnitude if value >= 0 else -magnitude) / Decimal(scale)).quantize(Decimal(1).scaleb(-decimals))


def item_score(item: ChoiceItem | ScaleItem, answer: str | int | None) -> int | None:
    """The score of one answer; None when unanswered or when the chosen option carries no score."""
    if answer is None or answer == "":
        return None
    text = str(answer).strip()
    if isinstance(item, ScaleItem):
        if not text.lstrip("-").isdigit():
            raise InvalidAnswer(f"item {item.key}: a whole number from {item.min} to {item.max} is expected")
        number = int(text)
        if not item.min <= number <= item.max:
            raise InvalidAnswer(f"item {item.key}: a whole number from {item.min} to {item.max} is expected")
        return number
    for option in item.options:
        if option.value == text:
            return option.score
    raise InvalidAnswer(f"item {item.key}: not one of the offered answers")


def is_answered(item: ChoiceItem | ScaleItem, answers: Answers) -> bool:
    value = answers.get(item.key)
    return value is not None and value != ""


# --- the scoring methods -------------------------------------------------------------------------
# Each takes the score's spec and the scores of all items, and returns the exact total or None
# with a reason.
Method = Callable[[ScoreSpec, Mapping[str, int | None], InstrumentDefinition], tuple[Fraction | None, str]]


def _missing_reason(missing: list[str], allowed: int) -> str:
    return f"{len(missing)} item(s) unanswered ({', '.join(missing)}); at most {allowed} may be missing"


def _sum(
    spec: ScoreSpec, scores: Mapping[str, int | None], definition: InstrumentDefinition
) -> tuple[Fraction | None, str]:
    if not isinstance(spec, SumScore):  # the registry pairs each method with its spec
        raise TypeError(spec.method)
    missing = [key for key in spec.items if scores[key] is None]
    if len(missing) > spec.max_missing:
        return None, _missing_reason(missing, spec.max_missing)
    return Fraction(sum(scores[key] or 0 for key in spec.items)), ""


def _percent_of_answered(
    spec: ScoreSpec, scores: Mapping[str, int | None], definition: InstrumentDefinition
) -> tuple[Fraction | None, str]:
    if not isinstance(spec, PercentScore):
        raise TypeError(spec.method)
    missing = [key for key in spec.items if scores[key] is None]
    if len(missing) > spec.max_missing:
        return None, _missing_reason(missing, spec.max_missing)
    answered = [key for key in spec.items if scores[key] is not None]
    # Each unanswered item lowers the denominator by its maximum (5 for an ODI section).
    possible = sum(item_max(definition.item(key)) or 0 for key in answered)
    got = sum(scores[key] or 0 for key in answered)
    return Fraction(got * 100, possible), ""


def _single(
    spec: ScoreSpec, scores: Mapping[str, int | None], definition: InstrumentDefinition
) -> tuple[Fraction | None, str]:
    if not isinstance(spec, SingleScore):
        raise TypeError(spec.method)
    value = scores[spec.item]
    if value is None:
        return None, f"item {spec.item} unanswered"
    return Fraction(value), ""


METHODS: dict[str, Method] = {
    "sum": _sum,
    "percent_of_answered": _percent_of_answered,
    "single": _single,
}


def _decimals(spec: ScoreSpec) -> int:
    return spec.decimals if isinstance(spec, PercentScore) else 0


def band_for(spec: ScoreSpec, total: Decimal) -> str | None:
    """The first band whose ``upto`` is at least the (already rounded) total."""
    for band in spec.bands:
        if total <= band.upto:
            return band.key
    return None


def _responder(spec: ScoreSpec, total: Decimal | None) -> bool | None:
    rule = spec.responder
    if rule is None or total is None:
        return None
    if rule.at_most is not None:
        return total <= rule.at_most
    return rule.at_least is not None and total >= rule.at_least


def alerts_for(definition: InstrumentDefinition, item_scores: Mapping[str, int | None]) -> tuple[Alert, ...]:
    """Alert rules are checked on each answered item alone: an incomplete response still alerts."""
    raised = []
    for rule in definition.alerts:
        value = item_scores.get(rule.item)
        if value is None:
            continue
        hit = value > rule.above if rule.above is not None else value >= (rule.at_least or 0)
        if hit:
            raised.append(Alert(key=rule.key, level=rule.level, item=rule.item, message=dict(rule.message)))
    return tuple(raised)


def item_scores_for(definition: InstrumentDefinition, answers: Answers) -> dict[str, int | None]:
    unknown = sorted(set(answers) - {item.key for item in definition.items})
    if unknown:
        raise InvalidAnswer(f"{definition.key}: no item named {', '.join(unknown)}")
    return {item.key: item_score(item, answers.get(item.key)) for item in definition.items}


def _one(
    spec: ScoreSpec, definition: InstrumentDefinition, item_scores: dict[str, int | None], alerts: tuple[Alert, ...]
) -> ScoreResult:
    exact, reason = METHODS[spec.method](spec, item_scores, definition)
    if exact is None:
        return ScoreResult(
            key=spec.key, total=None, band=None, scorable=False, reason=reason, item_scores=item_scores, alerts=alerts
        )
    total = round_half_up(exact, _decimals(spec))
    return ScoreResult(
        key=spec.key,
        total=total,
        band=band_for(spec, total),
        scorable=True,
        reason="",
        item_scores=item_scores,
        alerts=alerts,
        responder=_responder(spec, total),
    )


def score(definition: InstrumentDefinition, answers: Answers) -> ScoreResult:
    """Score a response: the definition's first score, with its other scores in ``subscores``.

    Alerts are in the result whether or not the score is scorable.
    """
    item_scores = item_scores_for(definition, answers)
    alerts = alerts_for(definition, item_scores)
    if not definition.scores:
        return ScoreResult(
            key="",
            total=None,
            band=None,
            scorable=False,
            reason="this instrument is not scored",
            item_scores=item_scores,
            alerts=alerts,
        )
    results = [_one(spec, definition, item_scores, alerts) for spec in definition.scores]
    primary = results[0]
    return ScoreResult(
        key=primary.key,
        total=primary.total,
        band=primary.band,
        scorable=primary.scorable,
        reason=primary.reason,
        item_scores=item_scores,
        alerts=alerts,
        responder=primary.responder,
        subscores={result.key: result for result in results[1:]},
    )


def score_spec(definition: InstrumentDefinition, key: str | None = None) -> ScoreSpec:
    if not definition.scores:
        raise KeyError(f"{definition.key} has no scores")
    if key is None:
        return definition.scores[0]
    for spec in definition.scores:
        if spec.key == key:
            return spec
    raise KeyError(key)


def change(
    definition: InstrumentDefinition, baseline: Decimal, current: Decimal, *, score_key: str | None = None
) -> Change:
    """The change from ``baseline`` to ``current`` of a score (the first score unless ``score_key``).

    Both are stored scores (for the ODI, the one-decimal figures). A change is meaningful when it
    reaches the points threshold OR the percent-of-baseline threshold, in the better direction for
    ``improved`` and the worse one for ``worsened``. With a baseline of 0 only the points rule applies.
    Without a threshold in the definition, neither flag is ever set.
    """
    spec = score_spec(definition, score_key)
    exact_baseline, exact_current = Fraction(baseline), Fraction(current)
    delta = exact_current - exact_baseline
    percent = None if exact_baseline == 0 else delta / exact_baseline * 100
    rule = spec.meaningful_change
    improved = worsened = False
    if rule is not None:
        better = -delta if rule.direction == "lower_is_better" else delta

        def reaches(amount: Fraction) -> bool:
            if amount <= 0:
                return False
            if rule.points is not None and amount >= Fraction(rule.points):
                return True
            return (
                rule.percent is not None
                and exact_baseline != 0
                and amount / abs(exact_baseline) * 100 >= Fraction(rule.percent)
            )

        improved, worsened = reaches(better), reaches(-better)
    return Change(
        points=current - baseline,
        percent=None if percent is None else round_half_up(percent, 1),
        improved=improved,
        worsened=worsened,
    )
