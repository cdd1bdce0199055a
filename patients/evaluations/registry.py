"""The registry of evaluation kinds and the base classes their modules build on.

A kind has a findings schema (pydantic, ``extra="forbid"``, typed attributes) for the findings
that occur once per evaluation, stored as JSON in ``Evaluation.findings``; optionally a table of
repeated rows (a child model edited with an inline formset); form fields for the schema; and a
summary in words for the chart, the timeline and the edit history.

This module imports nothing of ours, so ``patients.models`` can use it to validate findings
without an import circle; the kind modules import the models and are loaded from ``ready()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import pydantic
from crispy_forms.layout import Div
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from pydantic_core import PydanticCustomError


class FindingsSchema(pydantic.BaseModel):
    """The findings of one kind that occur once per evaluation. Unknown keys are refused.

    ``MESSAGES`` gives, per field, the message a person sees when a value does not fit the
    field's type or range (pydantic's own messages are written for developers).
    """

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    MESSAGES: ClassVar[Mapping[str, str | Promise]] = {}

    @classmethod
    def message_for(cls, field: str) -> str:
        return str(cls.MESSAGES.get(field) or _("The findings are not in the expected form."))

    def lines(self) -> list[str]:
        """The findings as short lines of text ("Stenosis: L4-L5"); none when nothing was found."""
        return []

    def dump(self) -> dict[str, Any]:
        """The JSON stored in ``Evaluation.findings``: empty parts left out, so ``{}`` is "none"."""
        return self.model_dump(mode="json", exclude_defaults=True)


class NoFindings(FindingsSchema):
    """The schema of kinds whose findings are all rows of a child table: always ``{}``."""


def refuse(message: str | Promise) -> PydanticCustomError:
    """An error for a schema validator whose message is shown to people as it is."""
    return PydanticCustomError("findings", str(message).replace("{", "(").replace("}", ")"))


@dataclass(frozen=True)
class RowTable:
    """Repeated findings of a kind: a child model of ``Evaluation`` edited with an inline formset."""

    model: type[models.Model]
    form: type[forms.ModelForm]
    related_name: str  # the reverse accessor on Evaluation, also the formset's prefix
    title: str | Promise
    extra: int = 3

    def formset(self, data: Any = None, *, instance: models.Model) -> forms.BaseInlineFormSet:
        parent = cast(type[models.Model], self.model._meta.get_field("evaluation").related_model)
        factory = forms.inlineformset_factory(
            parent,
            self.model,
            form=self.form,
            extra=self.extra,
            can_delete=True,
        )
        return factory(data, instance=instance, prefix=self.related_name)

    def rows_of(self, evaluation: models.Model) -> list[Any]:
        """The rows of ``evaluation``, from ``prefetch_related`` when the selector did it."""
        if evaluation.pk is None:
            return []
        return list(getattr(evaluation, self.related_name).all())


class EvaluationType:
    """What one kind of evaluation records. Subclasses set ``kind`` and what they need."""

    kind: ClassVar[str]
    schema: ClassVar[type[FindingsSchema]] = NoFindings
    rows: ClassVar[RowTable | None] = None

    def form_fields(self) -> dict[str, forms.Field]:
        """Form fields for the schema; names start with ``f_`` so they never meet the evaluation's own."""
        return {}

    def from_form(self, cleaned: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The findings read from the form, and per-field messages for half-filled parts."""
        return {}, {}

    def initial(self, findings: FindingsSchema) -> dict[str, Any]:
        """Form initial values from stored findings (the inverse of ``from_form``)."""
        return {}

    def layout(self, names: Sequence[str]) -> list[Any]:
        return [Div(*names)]

    def read(self, data: object) -> FindingsSchema | None:
        """The stored findings, typed; None when they no longer fit the schema (never raises)."""
        try:
            return self.schema.model_validate(data if data is not None else {})
        except pydantic.ValidationError:
            return None

    def summary(self, evaluation: Any) -> list[str]:
        """The findings and rows of ``evaluation`` as short lines for the chart."""
        findings = self.read(evaluation.findings)
        lines = findings.lines() if findings is not None else []
        if self.rows is not None:
            lines.extend(str(row) for row in self.rows.rows_of(evaluation))
        return lines


_KINDS: dict[str, EvaluationType] = {}


def register(evaluation_type: EvaluationType) -> EvaluationType:
    _KINDS[evaluation_type.kind] = evaluation_type
    return evaluation_type


def get(kind: str) -> EvaluationType:
    """The registered type of ``kind``; KeyError for a kind nobody registered."""
    return _KINDS[kind]


def row_tables() -> list[RowTable]:
    """The tables of repeated findings of all kinds, each once."""
    return list({t.related_name: t for k in _KINDS.values() if (t := k.rows) is not None}.values())


def _messages(schema: type[FindingsSchema], exc: pydantic.ValidationError) -> list[str]:
    messages: list[str] = []
    for error in exc.errors():
        if error["type"] == "extra_forbidden":
            message = _("The findings hold entries that do not belong to this kind of evaluation.")
        elif error["type"] == "findings":
            message = error["msg"]
        else:
            message = schema.message_for(str(error["loc"][0]) if error["loc"] else "")
        if message not in messages:
            messages.append(message)
    return messages


def clean_findings(kind: str, data: object) -> dict[str, Any]:
    """The findings in their clean stored shape for ``kind``; ValidationError when they do not fit it."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError(_("The findings are not in the expected form."))
    evaluation_type = _KINDS.get(kind)
    if evaluation_type is None:
        raise ValidationError(_("Unknown kind of evaluation."))
    try:
        return evaluation_type.schema.model_validate(data).dump()
    except pydantic.ValidationError as exc:
        raise ValidationError(_messages(evaluation_type.schema, exc)) from None


def summary(kind: str, data: object) -> list[str]:
    """Stored findings of ``kind`` as lines of text; stored oddities give no lines, never an error."""
    evaluation_type = _KINDS.get(kind)
    findings = evaluation_type.read(data) if evaluation_type is not None else None
    return findings.lines() if findings is not None else []


def describe(kind: str, data: object) -> str:
    """Stored findings in words on one line, for the edit history ("—" when none)."""
    return "; ".join(summary(kind, data)) or "—"
