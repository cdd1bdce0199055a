"""Bone scan findings: what this kind of imaging can show, at which spinal levels."""

from __future__ import annotations

from typing import ClassVar

from ..choices import EvaluationKind
from . import registry
from .imaging import ImagingFindings, ImagingType, Levels


class BoneScanFindings(ImagingFindings):
    increased_uptake: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []


class BoneScan(ImagingType):
    kind: ClassVar[str] = EvaluationKind.BONE_SCAN
    schema: ClassVar[type[ImagingFindings]] = BoneScanFindings


registry.register(BoneScan())
