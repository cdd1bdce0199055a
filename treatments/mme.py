"""Morphine milligram equivalents (MME) per day, from the CDC 2022 opioid prescribing guideline.

Source: Dowell D, et al. CDC Clinical Practice Guideline for Prescribing Opioids for Pain,
United States, 2022. MMWR Recomm Rep 2022;71(No. RR-3), table of conversion factors; summarised
in ../shared/CLINICAL.md.

    MME/day = daily dose x conversion factor

- Oral and other mg-dosed opioids: daily dose in mg = dose per administration x administrations
  per day. For an "as needed" prescription the count is the prescribed *maximum* per day, so the
  figure is the most the patient may take (the conservative reading).
- Transdermal fentanyl: the factor applies to the patch strength in mcg/hr (2.4 per mcg/hr); how
  often the patch is changed does not enter the figure.
- Methadone: one factor, 4.7, whatever the dose (CDC 2022).
- Buprenorphine is a partial agonist with no factor: it is shown, never added into a total.

Routes: the factors are for oral doses and for the fentanyl patch's strength (CLINICAL.md). A dose
by any other route has no factor here and is shown as "not in the MME total (route)" instead of
being converted: intravenous, intramuscular, subcutaneous, intrathecal and epidural doses are
far more potent than the same milligrams by mouth (intrathecal morphine roughly 300 times).
Sublingual and intranasal doses are left out too, by choice: their bioavailability differs from
the oral form the factors were derived for (sublingual and intranasal fentanyl, sublingual
methadone), and the CDC table gives no factor for them. Buprenorphine is never counted, by any
route. A total says how many prescriptions it left out for their route.

Thresholds: at >= 50 MME/day reassess benefits and risks and offer naloxone; >= 90 MME/day is the
2016 guideline's "avoid or carefully justify" level. A patient's total is the sum over all of
their active opioid prescriptions.

Pure functions only (no database): the treatments app feeds them rows and shows the answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

# Drug keys as stored in a medication's details.
FACTORS: dict[str, Decimal] = {
    "codeine": Decimal("0.15"),
    "hydrocodone": Decimal("1.0"),
    "hydromorphone": Decimal("5.0"),
    "methadone": Decimal("4.7"),
    "morphine": Decimal("1.0"),
    "oxycodone": Decimal("1.5"),
    "oxymorphone": Decimal("3.0"),
    "tapentadol": Decimal("0.4"),
    "tramadol": Decimal("0.2"),
    "fentanyl_patch": Decimal("2.4"),  # per mcg/hr of patch strength
}
# Opioids shown on the plan and chart but never summed into a total.
NOT_SUMMED: frozenset[str] = frozenset({"buprenorphine"})
OPIOIDS: frozenset[str] = frozenset(FACTORS) | NOT_SUMMED
# The unit each summed opioid must be prescribed in for its factor to apply.
REQUIRED_UNIT: dict[str, str] = {drug: ("mcg/hr" if drug == "fentanyl_patch" else "mg") for drug in FACTORS}
# The one route each factor applies to: by mouth, or the fentanyl patch on the skin.
COUNTED_ROUTE: dict[str, str] = {drug: ("transdermal" if drug == "fentanyl_patch" else "oral") for drug in FACTORS}

REASSESS_AT = Decimal("50")
HIGH_AT = Decimal("90")


class Level(StrEnum):
    NONE = "none"
    REASSESS = "reassess"  # >= 50: reassess benefits and risks, offer naloxone
    HIGH = "high"  # >= 90: avoid or carefully justify


@dataclass(frozen=True)
class Prescription:
    """What MME needs to know about one medication prescription."""

    drug: str
    dose: Decimal
    unit: str
    doses_per_day: Decimal
    start: date | None = None
    stop: date | None = None
    ended: bool = False  # marked done or stopped
    label: str = ""
    route: str = "oral"

    def is_current(self, on: date) -> bool:
        """Started on or before ``on``, not yet past its stop date, and not marked ended."""
        if self.ended or self.start is None or self.start > on:
            return False
        return self.stop is None or self.stop >= on


def route_left_out(p: Prescription) -> bool:
    """An opioid with a factor, prescribed by a route the factor does not apply to."""
    return p.drug in FACTORS and COUNTED_ROUTE[p.drug] != p.route


def daily_mme(p: Prescription) -> Decimal | None:
    """MME/day of one prescription; None for a drug without a factor (not an opioid,
    buprenorphine), one prescribed in a unit the factor does not apply to, or by a route other
    than the one the factor is for (see ``route_left_out``)."""
    factor = FACTORS.get(p.drug)
    if factor is None or REQUIRED_UNIT[p.drug] != p.unit or route_left_out(p):
        return None
    if p.drug == "fentanyl_patch":
        return p.dose * factor
    return p.dose * p.doses_per_day * factor


def level_of(total: Decimal) -> Level:
    if total >= HIGH_AT:
        return Level.HIGH
    if total >= REASSESS_AT:
        return Level.REASSESS
    return Level.NONE


@dataclass(frozen=True)
class Total:
    mme: Decimal
    counted: list[tuple[Prescription, Decimal]] = field(default_factory=list)
    not_summed: list[Prescription] = field(default_factory=list)  # buprenorphine
    left_out: list[Prescription] = field(default_factory=list)  # opioids by a route without a factor

    @property
    def level(self) -> Level:
        return level_of(self.mme)

    @property
    def offer_naloxone(self) -> bool:
        return self.mme >= REASSESS_AT

    @property
    def display(self) -> str:
        """One decimal, trailing ".0" dropped: 58.8, 60."""
        rounded = self.mme.quantize(Decimal("0.1"))
        return str(rounded.to_integral_value()) if rounded == rounded.to_integral_value() else str(rounded)


def total_mme(prescriptions: Iterable[Prescription], *, on: date) -> Total:
    """The patient's MME/day on ``on``: the sum over current opioid prescriptions with a factor."""
    counted: list[tuple[Prescription, Decimal]] = []
    not_summed: list[Prescription] = []
    left_out: list[Prescription] = []
    for p in prescriptions:
        if not p.is_current(on):
            continue
        if p.drug in NOT_SUMMED:
            not_summed.append(p)
            continue
        if route_left_out(p):
            left_out.append(p)
            continue
        mme = daily_mme(p)
        if mme is not None:
            counted.append((p, mme))
    return Total(
        mme=sum((m for _, m in counted), Decimal(0)), counted=counted, not_summed=not_summed, left_out=left_out
    )


def fmt(value: Decimal) -> str:
    """An MME figure as people read it: one decimal at most."""
    return Total(mme=value).display
