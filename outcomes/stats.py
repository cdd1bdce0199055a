"""Small statistics for the outcomes page: a 95% confidence interval of a mean.

No scipy: the platform needs one quantile, the two-sided 95% point of Student's t distribution.
For 1 to 30 degrees of freedom it comes from a table of the published values (three decimals,
the precision every printed t table gives); beyond 30, from the Cornish-Fisher expansion of the
t quantile around the normal one, whose error there is below 0.001.

Interval: mean +/- t(0.975, n - 1) x sd / sqrt(n), sd the sample standard deviation (n - 1).
With fewer than two values there is no interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import sqrt

# t(0.975, df) for df = 1..30.
T975: tuple[float, ...] = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
Z975 = 1.959963984540054


def t_quantile_975(df: int) -> float:
    """The 97.5th percentile of Student's t with ``df`` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= len(T975):
        return T975[df - 1]
    z = Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


@dataclass(frozen=True)
class MeanCI:
    n: int
    mean: float | None
    sd: float | None
    low: float | None
    high: float | None


def ci_from_summary(n: int, mean: float | Decimal | None, sd: float | Decimal | None) -> MeanCI:
    """The interval from an already aggregated n, mean and sample sd (what the database returns)."""
    if n == 0 or mean is None:
        return MeanCI(n=n, mean=None, sd=None, low=None, high=None)
    m = float(mean)
    if n < 2 or sd is None:
        return MeanCI(n=n, mean=m, sd=None, low=None, high=None)
    s = float(sd)
    half = t_quantile_975(n - 1) * s / sqrt(n)
    return MeanCI(n=n, mean=m, sd=s, low=m - half, high=m + half)


def mean_ci(values: Sequence[float | Decimal | int]) -> MeanCI:
    """Mean and 95% interval of ``values`` (computed here; the page gets its figures from SQL)."""
    n = len(values)
    if n == 0:
        return MeanCI(n=0, mean=None, sd=None, low=None, high=None)
    xs = [float(v) for v in values]
    m = sum(xs) / n
    sd = sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) if n > 1 else None
    return ci_from_summary(n, m, sd)
