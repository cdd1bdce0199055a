"""Typed schemas of the descriptive kinds' ``details`` (physical therapy, psychology,
complementary, lifestyle, revision, taper): what ``Intervention.details`` may hold.

Read and written only through these models: unknown keys are refused (``extra="forbid"``), values
are typed (int, Decimal, date, a key of the kind's choices), and readers get attributes that mypy
checks instead of ``.get()`` on a dict. Medications, procedures and trials are not here: they
have tables of their own (``treatments.models``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import pydantic
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from clinics.validators import no_markup

from . import choices as c
from .choices import Modality


def _one_of(options: list[tuple[str, Any]]) -> Callable[[str], str]:
    keys = {key for key, _label in options}

    def check(value: str) -> str:
        if value not in keys:
            raise ValueError(f"not one of the choices: {value}")
        return value

    return check


def _plain_text(value: str) -> str:
    try:
        no_markup(value)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from None
    return value


Text = Annotated[str, Field(max_length=200), AfterValidator(_plain_text)]


class Details(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> dict[str, Any]:
        """What ``Intervention.details`` stores: JSON values, empty ones left out."""
        return self.model_dump(mode="json", exclude_defaults=True)


class PhysicalTherapy(Details):
    focus: list[Annotated[str, AfterValidator(_one_of(c.PT_FOCUS))]] = Field(min_length=1)
    sessions_per_week: int = Field(ge=1, le=7)
    weeks: int = Field(ge=1, le=52)


class Psychological(Details):
    approach: Annotated[str, AfterValidator(_one_of(c.PSYCH_APPROACHES))]
    sessions: int | None = Field(default=None, ge=1, le=100)


class Complementary(Details):
    therapy: Annotated[str, AfterValidator(_one_of(c.COMPLEMENTARY))]
    sessions: int | None = Field(default=None, ge=1, le=100)


class SurgicalRevision(Details):
    indication: Annotated[str, AfterValidator(_one_of(c.REVISION_INDICATIONS))]
    option: Annotated[Text, Field(min_length=1)]
    referred_to: Text = ""
    referral_date: date | None = None


class Lifestyle(Details):
    focus: Annotated[str, AfterValidator(_one_of(c.LIFESTYLE_FOCUS))]
    target: Text = ""


class OpioidTaper(Details):
    programme: Annotated[str, AfterValidator(_one_of(c.TAPER_PROGRAMMES))]
    target_mme: Decimal | None = Field(default=None, ge=0, le=1000, max_digits=6, decimal_places=1)
    step_percent: int | None = Field(default=None, ge=1, le=50)
    step_weeks: int | None = Field(default=None, ge=1, le=12)


SCHEMAS: dict[str, type[Details]] = {
    Modality.PHYSICAL_THERAPY: PhysicalTherapy,
    Modality.PSYCHOLOGICAL: Psychological,
    Modality.COMPLEMENTARY: Complementary,
    Modality.SURGICAL_REVISION: SurgicalRevision,
    Modality.LIFESTYLE: Lifestyle,
    Modality.OPIOID_TAPER: OpioidTaper,
}


def parse(modality: str, details: Any) -> Details:
    """``details`` as the typed schema of ``modality``, or a ValidationError keyed by field.

    Unknown keys are reported under ``details`` (they have no field to show them on).
    """
    schema = SCHEMAS[modality]
    try:
        return schema.model_validate(details if isinstance(details, dict) else {})
    except pydantic.ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            loc = error["loc"][0] if error["loc"] else "details"
            if error["type"] == "extra_forbidden" or loc not in schema.model_fields:
                errors.setdefault("details", []).append(_("Unknown details for this kind of intervention."))
            else:
                errors.setdefault(str(loc), []).append(str(error["msg"]))
        raise ValidationError(errors) from None
