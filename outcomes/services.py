"""Writes of the outcomes app: loading instrument versions. Each is atomic."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .definitions import (
    SHIPPED_DIR,
    DefinitionError,
    InstrumentDefinition,
    load_definition_file,
    shipped_definition_paths,
)
from .models import Instrument, InstrumentVersion, VersionSource


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
