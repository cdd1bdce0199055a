"""manage.py load_instruments: load the shipped instrument definitions (safe to run on every deploy)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outcomes.definitions import SHIPPED_DIR, DefinitionError
from outcomes.services import instruments_load_shipped


class Command(BaseCommand):
    help = (
        "Load every instrument definition of outcomes/instruments/ (or --directory). Idempotent: a version "
        "already loaded with the same content is left alone; one loaded with different content is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, default=SHIPPED_DIR, help="folder of *.yaml definitions")

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        try:
            results = instruments_load_shipped(directory=directory)
        except DefinitionError as error:
            raise CommandError(f"Nothing was loaded. {error}") from None
        for result in results:
            state = "loaded" if result.created else "unchanged"
            self.stdout.write(f"{result.version.instrument.key} {result.version.version}: {state}")
        created = sum(result.created for result in results)
        self.stdout.write(self.style.SUCCESS(f"{created} new, {len(results) - created} unchanged"))
