"""CPT codes for interventional pain procedures: the codes only (descriptors are AMA-copyrighted
and are not shipped). The list is the one in ../shared/CLINICAL.md ("Codes")."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

KNOWN: frozenset[str] = frozenset(
    [
        "62321", "62323",  # interlaminar epidural
        *(str(c) for c in range(64479, 64485)),  # transforaminal epidural
        *(str(c) for c in range(64490, 64496)),  # facet joint injections
        *(str(c) for c in range(64633, 64637)),  # radiofrequency ablation
        "63650", "63655", "63685",  # spinal cord stimulator electrodes and generator
        "95970", "95971", "95972",  # neurostimulator programming
    ]
)  # fmt: skip
_FIVE_DIGITS = re.compile(r"^\d{5}$")


def is_known(code: str) -> bool:
    return code in KNOWN


def check(code: str, *, confirmed: bool) -> str:
    """The code, stripped; a code not on our list must be five digits and confirmed by the user."""
    code = code.strip()
    if not code:
        return code
    if code in KNOWN:
        return code
    if not _FIVE_DIGITS.fullmatch(code):
        raise ValidationError(_("A CPT code is five digits, e.g. 64483."), code="cpt_format")
    if not confirmed:
        raise ValidationError(
            _("%(code)s is not on the clinic's list of procedure codes. Check it, then tick the confirmation box."),
            params={"code": code},
            code="cpt_unlisted",
        )
    return code
