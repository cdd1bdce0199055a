"""ICD-10-CM codes, checked offline against the CDC tables that ``simple-icd-10-cm`` ships.

Only billable codes (leaves of the classification) are accepted: a category such as M54 is
refused with a pointer to its more specific codes.
"""

from __future__ import annotations

import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

with warnings.catch_warnings():
    # The package reads its tables through a deprecated importlib.resources call.
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10_cm as _icd

M96_1 = "M96.1"

# Offered first in the form, M96.1 at the top (CLINICAL.md "Codes"), then codes FBSS clinics
# commonly record beside it. Any other billable code is accepted as well.
COMMON_FBSS_CODES: tuple[str, ...] = (
    M96_1,
    "G89.29",
    "G89.4",
    "M54.16",
    "M54.17",
    "M51.16",
    "M51.17",
    "M96.0",
    "M48.061",
    "M48.062",
    "M53.2X6",
    "M46.1",
    "Z79.891",
    "T85.112A",
    "T85.192A",
    "F32.A",
    "F41.1",
)


def normalize(code: str) -> str:
    """Upper case, no spaces, the dot in its place: " m961 " -> "M96.1"."""
    compact = "".join(code.split()).upper()
    if not compact or len(compact) > 10:
        return compact
    try:
        return _icd.add_dot(compact.replace(".", "")) if _icd.is_valid_item(compact) else compact
    except (ValueError, IndexError):
        return compact


def validate_icd10cm(code: str) -> None:
    code = normalize(code)
    if not code:
        raise ValidationError(_("Enter an ICD-10-CM code, for example M96.1."), code="required")
    if len(code) > 10 or not _icd.is_valid_item(code):
        raise ValidationError(_("This is not an ICD-10-CM code. Check it, for example M96.1."), code="icd_unknown")
    if not _icd.is_leaf(code):
        leaves = [c for c in _icd.get_descendants(code) if _icd.is_category_or_subcategory(c) and _icd.is_leaf(c)]
        examples = ", ".join(leaves[:3])
        raise ValidationError(
            _("%(code)s is a heading, not a billable code. Choose a more specific code, such as %(examples)s."),
            params={"code": code, "examples": examples},
            code="icd_not_billable",
        )


def describe(code: str) -> str:
    code = normalize(code)
    return _icd.get_description(code) if _icd.is_valid_item(code) else ""


def common_codes() -> list[tuple[str, str]]:
    return [(code, describe(code)) for code in COMMON_FBSS_CODES]
