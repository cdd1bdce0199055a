"""ICD-10-CM codes, checked offline against the CDC tables that ``simple-icd-10-cm`` ships.

Only billable codes (leaves of the classification) are accepted: a category such as M54 is
refused with a pointer to its more specific codes.
"""

from __future__ import annotations

import functools
import re
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .text import fold

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


# --- Finding a code by words -------------------------------------------------------------------------

SEARCH_LIMIT = 25
_CODE_LIKE = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z.]*$")


@functools.cache
def _billable_index() -> tuple[tuple[str, str, str], ...]:
    """Every billable code with its description and the description folded for search.

    Built at first use (about half a second) and kept in memory for the life of the process.
    """
    rows = []
    for code in _icd.get_all_codes(True):
        if _icd.is_leaf(code) and _icd.is_category_or_subcategory(code):
            description = _icd.get_description(code)
            rows.append((code, description, fold(description)))
    return tuple(rows)


def search(query: str, *, limit: int = SEARCH_LIMIT) -> list[tuple[str, str]]:
    """Billable codes whose description holds every word of ``query`` (folded, any order), or
    whose code starts with ``query``.

    M96.1 comes first when it matches, then the codes FBSS clinics commonly use, then codes whose
    description starts with the first word, then the rest in code order.
    """
    text = query.strip()
    if not text:
        return common_codes()[:limit]
    first_word = ""
    if _CODE_LIKE.match(text):
        prefix = "".join(text.split()).upper().replace(".", "")
        found = [(c, d) for c, d, _f in _billable_index() if c.replace(".", "").startswith(prefix)]
    else:
        words = fold(text).replace(",", " ").split()
        found = [(c, d) for c, d, f in _billable_index() if all(w in f for w in words)]
        first_word = words[0] if words else ""
    common = {code: n for n, code in enumerate(COMMON_FBSS_CODES)}

    def rank(item: tuple[str, str]) -> tuple[int, int, str]:
        code, description = item
        if code in common:
            return (0, common[code], code)
        starts = not _CODE_LIKE.match(text) and fold(description).startswith(first_word)
        return (1 if starts else 2, 0, code)

    return sorted(found, key=rank)[:limit]
