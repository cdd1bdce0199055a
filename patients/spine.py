"""Spinal levels, C1 to S1, in cranio-caudal order, and the checks that levels make sense."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LEVELS: tuple[str, ...] = (
    *(f"C{n}" for n in range(1, 8)),
    *(f"T{n}" for n in range(1, 13)),
    *(f"L{n}" for n in range(1, 6)),
    "S1",
)
LEVEL_CHOICES = [(level, level) for level in LEVELS]
_INDEX = {level: i for i, level in enumerate(LEVELS)}

# Intervertebral discs, named by the vertebrae above and below (C1-C2 has no disc): where imaging
# findings are (a herniation, a stenosis, a failed fusion segment).
DISC_LEVELS: tuple[str, ...] = tuple(f"{upper}-{lower}" for upper, lower in zip(LEVELS[1:], LEVELS[2:], strict=False))
DISC_CHOICES = [(level, level) for level in DISC_LEVELS]


def disc_below(vertebra: str) -> str:
    """The disc under a vertebra (L4 -> L4-L5); S1 and C1 give the nearest disc."""
    if vertebra == "S1":
        return "L5-S1"
    if vertebra in ("C1", "C2"):
        return "C2-C3"
    return next(d for d in DISC_LEVELS if d.startswith(f"{vertebra}-"))


def ordered(levels: Iterable[str]) -> list[str]:
    """The levels sorted head to tail; unknown levels raise ValidationError."""
    unique = set(levels)
    unknown = sorted(unique - _INDEX.keys())
    if unknown:
        raise ValidationError(
            _("Unknown spinal level: %(levels)s. Use C1 to S1."), params={"levels": ", ".join(unknown)}, code="level"
        )
    return sorted(unique, key=_INDEX.__getitem__)


def is_contiguous(levels: Iterable[str]) -> bool:
    idx = [_INDEX[level] for level in ordered(levels)]
    return all(b - a == 1 for a, b in zip(idx, idx[1:], strict=False))


def span(levels: Iterable[str]) -> str:
    """A short label: "L4-S1" for a contiguous run, "L3, L5" otherwise."""
    run = ordered(levels)
    if not run:
        return ""
    if len(run) > 1 and is_contiguous(run):
        return f"{run[0]}-{run[-1]}"
    return ", ".join(run)
