"""MRI findings: what this kind of imaging can show, at which spinal levels."""

from __future__ import annotations

from typing import ClassVar

import pydantic

from ..choices import EvaluationKind
from . import registry
from .imaging import ImagingFindings, ImagingType, Levels


class MriFindings(ImagingFindings):
    CONTRAST: ClassVar[bool] = True

    recurrent_herniation: Levels = []
    epidural_fibrosis: Levels = []
    stenosis: Levels = []
    adjacent_segment_degeneration: Levels = []
    pseudarthrosis: Levels = []
    hardware_loosening: Levels = []
    with_contrast: pydantic.StrictBool = False


class Mri(ImagingType):
    kind: ClassVar[str] = EvaluationKind.MRI
    schema: ClassVar[type[ImagingFindings]] = MriFindings


registry.register(Mri())
