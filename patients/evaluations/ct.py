"""CT findings: what this kind of imaging can show, at which spinal levels."""

from __future__ import annotations

from typing import ClassVar

from ..choices import EvaluationKind
from . import registry
from .imaging import ImagingFindings, ImagingType, Levels


class CtFindings(ImagingFindings):
    recurrent_herniation: Levels = []
    stenosis: Levels = []
    adjacent_segment_degeneration: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []


class Ct(ImagingType):
    kind: ClassVar[str] = EvaluationKind.CT
    schema: ClassVar[type[ImagingFindings]] = CtFindings


registry.register(Ct())
