"""Neuromodulation trial success rules (see ../shared/CLINICAL.md, "Neuromodulation trials").

- Relief = (baseline NRS - trial NRS) / baseline NRS, as a percentage.
- Spinal cord stimulation (SCS) trial, usually 3 to 8 days: success is at least 50% pain relief
  with stable or reduced analgesic use (then an implant is considered).
- Intrathecal drug delivery (pump) trial: success is *more than* 50% pain reduction; analgesic
  use is not part of the rule.

Pure functions: exact arithmetic with Fraction so that "exactly 50%" is exactly 50%. Scores are
integers or decimals with one place (NRS 7.5); Fraction holds either exactly.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

SCS = "scs"
PUMP = "pump"

REDUCED = "reduced"
STABLE = "stable"
INCREASED = "increased"

HALF = Fraction(1, 2)


Score = int | Decimal


def relief_fraction(baseline: Score, trial: Score) -> Fraction | None:
    """(baseline - trial) / baseline; None when the baseline is 0 (nothing to relieve)."""
    if baseline <= 0:
        return None
    return (Fraction(baseline) - Fraction(trial)) / Fraction(baseline)


def relief_percent(baseline: Score, trial: Score) -> Decimal | None:
    """Relief as a percentage rounded to one decimal, for display (37.5, 50.0, -12.5)."""
    fraction = relief_fraction(baseline, trial)
    if fraction is None:
        return None
    return (Decimal(fraction.numerator) * 100 / Decimal(fraction.denominator)).quantize(Decimal("0.1"))


def trial_success(
    device: str, *, baseline: Score | None, trial: Score | None, analgesic_change: str = ""
) -> bool | None:
    """Whether the trial met its success rule; None while the figures needed are missing."""
    if baseline is None or trial is None:
        return None
    fraction = relief_fraction(baseline, trial)
    if fraction is None:
        return None
    if device == SCS:
        if not analgesic_change:
            return None
        return fraction >= HALF and analgesic_change in (REDUCED, STABLE)
    if device == PUMP:
        return fraction > HALF
    raise ValueError("unknown trial device")
