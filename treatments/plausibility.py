"""Doses the platform asks to be confirmed before it records them.

This is the platform's PLAUSIBILITY CEILING, not a prescribing limit: a dose above it may be
right for a patient, but it is far more often a typing slip (oxycodone "100000 mg" for "10 mg"),
so the prescriber confirms it explicitly and the confirmation is recorded with the prescription
(``Medication.confirmed_by`` / ``confirmed_at``). A dose needs that confirmation when:

- its own MME/day is 90 or more (``mme.HIGH_AT``, the CDC 2016 "avoid or carefully justify"
  level), or
- one administration is above the drug's ceiling below.

The ceilings are conservative on purpose: about the largest single dose of the strongest
commonly marketed form (extended-release tablets, the largest patch), rounded up, so that
everyday prescriptions never ask and slips of a factor of ten always do. They are per
administration, in the drug's unit (mg; mcg/hr for the fentanyl patch, summed over patches).
Drugs not listed (and doses in other units: ml, %, g of a cream) have no ceiling here.
"""

from __future__ import annotations

from decimal import Decimal

from . import mme

# drug -> (largest single dose accepted without confirmation, unit)
PLAUSIBLE_MAX_DOSE: dict[str, tuple[Decimal, str]] = {
    # Opioids: the largest extended-release strengths.
    "codeine": (Decimal(60), "mg"),  # 60 mg tablets are the largest single dose in use
    "hydrocodone": (Decimal(120), "mg"),  # extended-release up to 120 mg
    "hydromorphone": (Decimal(32), "mg"),  # extended-release up to 32 mg
    "methadone": (Decimal(40), "mg"),  # 40 mg dispersible tablet; pain doses are far lower
    "morphine": (Decimal(200), "mg"),  # extended-release up to 200 mg
    "oxycodone": (Decimal(80), "mg"),  # extended-release up to 80 mg
    "oxymorphone": (Decimal(40), "mg"),  # extended-release up to 40 mg
    "tapentadol": (Decimal(250), "mg"),  # extended-release up to 250 mg
    "tramadol": (Decimal(300), "mg"),  # extended-release up to 300 mg
    "fentanyl_patch": (Decimal(100), "mcg/hr"),  # the largest patch is 100 mcg/hr
    "buprenorphine": (Decimal(24), "mg"),  # sublingual maintenance at most 24 mg at once
    # Non-opioids: the largest single dose in ordinary use.
    "ibuprofen": (Decimal(800), "mg"),
    "naproxen": (Decimal(1000), "mg"),
    "diclofenac": (Decimal(100), "mg"),
    "celecoxib": (Decimal(400), "mg"),
    "acetaminophen": (Decimal(1000), "mg"),
    "gabapentin": (Decimal(1200), "mg"),
    "pregabalin": (Decimal(300), "mg"),
    "amitriptyline": (Decimal(150), "mg"),
    "nortriptyline": (Decimal(150), "mg"),
    "duloxetine": (Decimal(120), "mg"),
    "cyclobenzaprine": (Decimal(30), "mg"),
    "tizanidine": (Decimal(16), "mg"),
    "baclofen": (Decimal(40), "mg"),
    "methocarbamol": (Decimal(1500), "mg"),
}

CONFIRM_AT_MME = mme.HIGH_AT


def above_ceiling(drug: str, dose: Decimal, unit: str) -> bool:
    """Whether one administration is above the drug's plausibility ceiling (same unit only)."""
    ceiling = PLAUSIBLE_MAX_DOSE.get(drug)
    return ceiling is not None and ceiling[1] == unit and dose > ceiling[0]


def ceiling_of(drug: str) -> tuple[Decimal, str] | None:
    return PLAUSIBLE_MAX_DOSE.get(drug)
