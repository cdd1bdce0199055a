"""Fill PostgreSQL with scale data for the benchmark (see bench/scale.py for what it covers)."""

import datetime
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench import scale


class Command(BaseCommand):
    help = "Fill PostgreSQL with deterministic scale data (bench only). Refuses production settings and SQLite."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinics", type=int, default=20)
        parser.add_argument("--patients", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--long", type=int, default=3, help="patients with a very long history")
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=datetime.date(2026, 11, 2),
            help="the fixed day the data is relative to (YYYY-MM-DD)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scale.refuse_unsafe(settings)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        if options["clinics"] < 1 or options["patients"] < 0:
            raise CommandError("--clinics must be at least 1 and --patients not negative.")
        opts = scale.Options(
            clinics=options["clinics"], patients=options["patients"], seed=options["seed"],
            today=options["today"], long=options["long"],
        )  # fmt: skip
        started = time.monotonic()
        try:
            seeder = scale.seed(opts)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        if seeder is None:
            self.stdout.write(f"Scale data already present ({opts.key()}, about {scale.marker_day()}); nothing to do.")
            return
        counts = seeder.counts
        self.stdout.write(
            f"Seeded {opts.key()} today={opts.today} in {time.monotonic() - started:.0f} s, {sum(counts.values())} bulk rows "
            f"({', '.join(f'{phase} {seconds:.0f} s' for phase, seconds in seeder.timings.items())}):"
        )
        for label, n in sorted(counts.items()):
            self.stdout.write(f"  {label:<45} {n:>10}")
