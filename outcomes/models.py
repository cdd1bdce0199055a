"""Instruments and their versions, as loaded from ``outcomes/instruments/`` (see its README.md).

A version is immutable once loaded: its definition is kept exactly as validated, with a checksum,
so a response given under it can always be re-read and re-scored the way it was scored.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from patients.models import Patient

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
            models.CheckConstraint(
                condition=models.Q(checksum__regex=r"^[0-9a-f]{64}$"), name="outcomes_version_checksum_hex"
            ),
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


class Response(models.Model):
    """One patient's answers to one instrument version. Open (answers may still change) until submitted.

    The version is the one the patient was shown: it is never swapped for a newer one, so the
    response is re-read and re-scored exactly as it was given.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outcome_responses")
    instrument_version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="responses")
    language = models.CharField(_("language"), max_length=16, default="en")
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("outcome response")
        verbose_name_plural = _("outcome responses")
        indexes = [models.Index(fields=["patient", "submitted_at"], name="outcomes_resp_patient_idx")]

    def __str__(self) -> str:
        return f"response {self.public_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(models.Model):
    """One item's answer: an option's value, or a scale's number, as text (checked against the definition)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item_key = models.CharField(_("item"), max_length=40)
    value = models.CharField(_("value"), max_length=40)

    class Meta:
        ordering = ["response", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item_key"], name="outcomes_answer_one_per_item"),
            models.CheckConstraint(condition=~models.Q(value=""), name="outcomes_answer_not_empty"),
        ]

    def __str__(self) -> str:
        return self.item_key


class ResponseScore(models.Model):
    """A score of a submitted response (an instrument may have several: PHQ-9 and PHQ-2)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="scores")
    key = models.CharField(_("score"), max_length=40)
    scorable = models.BooleanField(_("scorable"))
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=1, null=True, blank=True)
    band = models.CharField(_("band"), max_length=40, blank=True)
    responder = models.BooleanField(_("responder"), null=True, blank=True)
    reason = models.CharField(_("why not scorable"), max_length=300, blank=True)

    class Meta:
        ordering = ["response", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["response", "key"], name="outcomes_score_one_per_key"),
            models.CheckConstraint(
                condition=models.Q(scorable=True, total__isnull=False)
                | models.Q(scorable=False, total__isnull=True, band=""),
                name="outcomes_score_total_iff_scorable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.total}"
