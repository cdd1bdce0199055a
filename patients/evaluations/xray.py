"""X-ray findings: what this kind of imaging can show, at which spinal levels."""

from __future__ import annotations

from typing import ClassVar

from ..choices import EvaluationKind
from . import registry
from .imaging import ImagingFindings, ImagingType, Levels


class XrayFindings(ImagingFindings):
    adjacent_segment_degeneration: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []


class Xray(ImagingType):
    kind: ClassVar[str] = EvaluationKind.XRAY
    schema: ClassVar[type[ImagingFindings]] = XrayFindings


registry.register(Xray())
