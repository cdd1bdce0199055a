"""The outbox and the patient-link tokens.

``notifications`` is a leaf: it knows nothing of the apps that use it. A message names its owner
by a string (``owner_ref``, e.g. ``"scheduling.appointment:42"``) and its clinic by a plain
integer (``clinic_id``), so that the owning app can re-check the message before it leaves and list
its clinic's failures, without this app importing either.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    SKIPPED = "skipped", _("Skipped")


class Message(models.Model):
    """One outgoing message, rendered in full when it is queued.

    ``due_at`` is when it may leave; the dispatcher claims due rows (status ``sending`` with
    ``claimed_at`` as a lease) and marks each ``sent`` or, after transient errors, pushes
    ``due_at`` back. A row whose lease runs out (its worker died) is claimed again.
    """

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254, help_text=_("E-mail address, or phone in E.164"))
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"))
    # A list of {"filename", "mimetype", "content"} with text content (e.g. an .ics invitation).
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_id = models.CharField(_("provider id"), max_length=255, blank=True)
    purpose = models.CharField(_("purpose"), max_length=64)
    owner_ref = models.CharField(_("owner"), max_length=128, help_text=_("app_label.model:pk of what the message is about"))
    urgent = models.BooleanField(_("urgent"), default=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    # The clinic whose worklist shows this message's failure: a plain id, so the outbox never
    # imports clinics.
    clinic_id = models.PositiveBigIntegerField(_("clinic id"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            # The claim query: pending and due, or sending with an expired lease.
            models.Index(fields=["status", "due_at"], name="notif_msg_status_due"),
            models.Index(fields=["status", "claimed_at"], name="notif_msg_status_claimed"),
            models.Index(fields=["owner_ref", "purpose"], name="notif_msg_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=[c.value for c in Channel]), name="notif_msg_channel_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]), name="notif_msg_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk} ({self.channel}, {self.status})"


class PatientLink(models.Model):
    """A link a patient opens without logging in (confirm an appointment, answer a survey).

    The raw token exists only in the URL handed to the patient; the table keeps its SHA-256, so a
    leaked database does not open any link. See ``notifications/links.py``.
    """

    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    purpose = models.CharField(_("purpose"), max_length=64)
    owner_ref = models.CharField(_("owner"), max_length=128)
    expires_at = models.DateTimeField(_("expires at"))
    max_uses = models.PositiveSmallIntegerField(_("maximum uses"), default=1)
    used_count = models.PositiveSmallIntegerField(_("times used"), default=0)
    used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("patient link")
        verbose_name_plural = _("patient links")
        indexes = [models.Index(fields=["owner_ref", "purpose"], name="notif_link_owner")]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_uses__gte=1), name="notif_link_max_uses_positive"),
            models.CheckConstraint(
                condition=models.Q(used_count__lte=models.F("max_uses")), name="notif_link_not_overused"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link #{self.pk}"
