"""Load the demo: two clinics, their staff and realistic FBSS patients. Safe to run again.

Each of our apps may have a ``demo`` module with ``seed(ctx: DemoContext) -> None``; they run in
INSTALLED_APPS order (lowest app first), so a higher app finds what a lower one made in ``ctx``.
"""

import importlib
import importlib.util
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinics.demo import DEMO_PASSWORD, DemoContext


class Command(BaseCommand):
    help = "Load demo clinics, users and patients (idempotent). Refuses to run under production settings."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith(".production") or not (
            settings.DEBUG or "test" in settings.SETTINGS_MODULE
        ):
            raise CommandError("seed_demo refuses to run under production settings.")
        ctx = DemoContext()
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if config.path.startswith(str(settings.BASE_DIR)) and importlib.util.find_spec(module_name):
                    importlib.import_module(module_name).seed(ctx)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Every demo user's password is {DEMO_PASSWORD!r}."))
        for username in ctx.users:
            self.stdout.write(f"  {username}")
