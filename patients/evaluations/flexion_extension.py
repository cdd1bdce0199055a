"""Flexion-extension X-ray findings: abnormal motion and failed fusion, at which spinal levels."""

from __future__ import annotations

from typing import ClassVar

from ..choices import EvaluationKind
from . import registry
from .imaging import ImagingFindings, ImagingType, Levels


class FlexionExtensionFindings(ImagingFindings):
    instability: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []


class FlexionExtension(ImagingType):
    kind: ClassVar[str] = EvaluationKind.FLEXION_EXTENSION
    schema: ClassVar[type[ImagingFindings]] = FlexionExtensionFindings


registry.register(FlexionExtension())
