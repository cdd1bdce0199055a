"""Instruments and their versions, as loaded from ``outcomes/instruments/`` (see its README.md).

A version is immutable once loaded: its definition is kept exactly as validated, with a checksum,
so a response given under it can always be re-read and re-scored the way it was scored.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .definitions import InstrumentDefinition


class Instrument(models.Model):
    key = models.SlugField(_("key"), max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.key


class VersionSource(models.TextChoices):
    SHIPPED = "shipped", _("Shipped with the platform")
    IMPORTED = "imported", _("Imported licensed text")


class InstrumentVersion(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(_("version"), max_length=32)
    definition = models.JSONField(_("definition"))
    checksum = models.CharField(_("checksum"), max_length=64)
    source = models.CharField(_("source"), max_length=10, choices=VersionSource.choices)
    # A placeholder version (the shipped ODI) is for the demo and tests, never for patients.
    placeholder = models.BooleanField(_("placeholder text"), default=False)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["instrument__key", "loaded_at", "pk"]
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "version"], name="outcomes_version_unique"),
            models.CheckConstraint(condition=models.Q(checksum__regex=r"^[0-9a-f]{64}$"), name="outcomes_version_checksum_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.key} {self.version}"

    def parsed(self) -> InstrumentDefinition:
        """The stored definition as the typed model scoring takes (validated again, cached per row)."""
        cached: InstrumentDefinition | None = getattr(self, "_parsed", None)
        if cached is None:
            cached = InstrumentDefinition.model_validate(self.definition)
            self._parsed = cached
        return cached

    def title(self, language: str = "en") -> str:
        titles: dict[str, Any] = self.definition.get("title", {})
        return str(titles.get(language) or titles.get(self.definition.get("languages", ["en"])[0], self.version))
