"""manage.py import_odi_text <file>: a clinic's licensed ODI text, as a new ODI version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outcomes.definitions import DefinitionError
from outcomes.licensed_text import load_licensed_text
from outcomes.services import odi_text_import


class Command(BaseCommand):
    help = (
        "Import licensed ODI statements (format: outcomes/instruments/README.md) into a new ODI version "
        "that combines them with the shipped ODI structure and scoring."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            definition = load_licensed_text(file)
            result = odi_text_import(definition=definition)
        except DefinitionError as error:
            raise CommandError(f"Nothing was imported. {error}") from None
        version = result.version
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {version.instrument.key} version {version.version} ({', '.join(definition.languages)})"
            )
        )
