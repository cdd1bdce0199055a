"""Writes of the outcomes app: instrument versions and responses. Each is atomic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from patients.models import Patient

from .definitions import (
    SHIPPED_DIR,
    DefinitionError,
    InstrumentDefinition,
    load_definition_file,
    shipped_definition_paths,
)
from .models import Answer, Instrument, InstrumentVersion, Response, ResponseScore, VersionSource
from .scoring import InvalidAnswer, ScoreResult, item_score, score


@dataclass(frozen=True)
class Loaded:
    version: InstrumentVersion
    created: bool


@transaction.atomic
def instrument_version_load(*, definition: InstrumentDefinition, source: str) -> Loaded:
    """Store one validated definition as an instrument version.

    Loading the same content again changes nothing (``created`` False). A version is immutable:
    different content under a version already loaded is refused with ``DefinitionError`` (a
    changed instrument is a new file with a new version).
    """
    instrument, _ = Instrument.objects.get_or_create(key=definition.key)
    # Serialise loaders of the same instrument, so two at once cannot both create a version.
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    checksum = definition.checksum()
    existing = InstrumentVersion.objects.filter(instrument=instrument, version=definition.version).first()
    if existing is not None:
        if existing.checksum != checksum:
            raise DefinitionError(
                f"{definition.key} version {definition.version} is already loaded with different content. "
                "Versions are immutable: give the changed definition a new version in a new file."
            )
        return Loaded(version=existing, created=False)
    version = InstrumentVersion(
        instrument=instrument,
        version=definition.version,
        definition=definition.as_json(),
        checksum=checksum,
        source=source,
        placeholder=definition.placeholder,
    )
    version.full_clean()
    version.save()
    return Loaded(version=version, created=True)


@transaction.atomic
def instruments_load_shipped(*, directory: Path = SHIPPED_DIR) -> list[Loaded]:
    """Load every definition file of ``directory``: all or nothing.

    Every file is validated before anything is written, so one bad file leaves the database as it was.
    """
    paths = shipped_definition_paths(directory)
    if not paths:
        raise DefinitionError(f"no instrument definitions (*.yaml) in {directory}")
    definitions = [load_definition_file(path) for path in paths]
    return [instrument_version_load(definition=definition, source=VersionSource.SHIPPED) for definition in definitions]


@transaction.atomic
def odi_text_import(*, definition: InstrumentDefinition) -> Loaded:
    """Store an ODI version combined from the shipped structure and a clinic's licensed text.

    Unlike shipped files, an import never silently matches: a version that exists is refused
    even with the same content, so a clinic sees that it ran the import twice.
    """
    if InstrumentVersion.objects.filter(instrument__key=definition.key, version=definition.version).exists():
        raise DefinitionError(f"{definition.key} version {definition.version} already exists; choose a new version")
    return instrument_version_load(definition=definition, source=VersionSource.IMPORTED)


# --- Responses ----------------------------------------------------------------------------------


@transaction.atomic
def response_start(*, patient: Patient, instrument_version: InstrumentVersion, language: str = "en") -> Response:
    """Open a response of ``patient`` to one instrument version (answers come page by page).

    The language falls back to the version's first language when it has no translation.
    """
    languages = instrument_version.parsed().languages
    response = Response(
        patient=patient,
        instrument_version=instrument_version,
        language=language if language in languages else languages[0],
    )
    response.full_clean()
    response.save()
    return response


@transaction.atomic
def response_answers_save(*, response: Response, answers: Mapping[str, str | None]) -> Response:
    """Save (or clear, with None or "") some answers of an open response.

    Each answer is checked against the response's own version; an unknown item or an answer the
    item does not offer is refused as a ValidationError and nothing of the call is saved. A
    submitted response cannot change.
    """
    locked = Response.objects.select_for_update().select_related("instrument_version").get(pk=response.pk)
    if locked.is_submitted:
        raise ValidationError(_("This questionnaire has already been submitted."))
    definition = locked.instrument_version.parsed()
    known = {item.key: item for item in definition.items}
    errors: dict[str, str] = {}
    for key, value in answers.items():
        if key not in known:
            errors[key] = str(_("No such question."))
            continue
        try:
            item_score(known[key], value)
        except InvalidAnswer:
            errors[key] = str(_("Choose one of the answers offered."))
    if errors:
        raise ValidationError(errors)
    for key, value in answers.items():
        if value is None or str(value).strip() == "":
            Answer.objects.filter(response=locked, item_key=key).delete()
            continue
        Answer.objects.update_or_create(response=locked, item_key=key, defaults={"value": str(value).strip()})
    return locked


def response_answers(response: Response) -> dict[str, str]:
    return dict(Answer.objects.filter(response=response).values_list("item_key", "value"))


def score_row(response: Response, part: ScoreResult) -> ResponseScore:
    """The stored row of one scored part (the main score or a subscale) of ``response``, unsaved."""
    return ResponseScore(
        response=response,
        key=part.key,
        scorable=part.scorable,
        total=part.total,
        band=part.band or "",
        responder=part.responder,
        reason=part.reason[:300],
    )


@transaction.atomic
def response_submit(*, response: Response, at: datetime) -> ScoreResult:
    """Close a response and store its scores; a response is submitted once (a second call is refused).

    Returns the score result, alerts included, so the caller can act on them (the safety alert
    of PHQ-9 item 9 is raised whether or not the rest is scorable).
    """
    locked = Response.objects.select_for_update().select_related("instrument_version").get(pk=response.pk)
    if locked.is_submitted:
        raise ValidationError(_("This questionnaire has already been submitted."))
    result = score(locked.instrument_version.parsed(), response_answers(locked))
    locked.submitted_at = at
    locked.full_clean()
    locked.save(update_fields=["submitted_at"])
    rows = [result, *result.subscores.values()] if result.key else []
    for row in rows:
        stored = score_row(locked, row)
        stored.full_clean()
        stored.save()
    response.submitted_at = at
    return result
