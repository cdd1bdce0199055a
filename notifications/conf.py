"""The outbox's settings, with their defaults (each can be set from the environment in settings)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def max_attempts() -> int:
    """Attempts before a message is ``failed`` (FBSS_OUTBOX_MAX_ATTEMPTS)."""
    return int(getattr(settings, "FBSS_OUTBOX_MAX_ATTEMPTS", 5))


def batch_size() -> int:
    """Rows one claim takes (FBSS_OUTBOX_BATCH_SIZE)."""
    return int(getattr(settings, "FBSS_OUTBOX_BATCH_SIZE", 100))


def smtp_connections() -> int:
    """SMTP sessions one dispatcher run sends over at once (FBSS_OUTBOX_SMTP_CONNECTIONS).

    Also the most messages a worker that dies can leave delivered but not recorded as sent
    (each goes a second time): 1 keeps that window to one message, at a slower pace.
    """
    return max(1, int(getattr(settings, "FBSS_OUTBOX_SMTP_CONNECTIONS", 8)))


def lease() -> timedelta:
    """How long a claimed row belongs to its worker before another may take it (FBSS_OUTBOX_LEASE_SECONDS).

    Longer than the longest send (the task time limit), so that a live worker's rows are never
    taken from it; a dead worker's rows are sent again after it.
    """
    return timedelta(seconds=float(getattr(settings, "FBSS_OUTBOX_LEASE_SECONDS", 300)))


def retry_base() -> timedelta:
    """First retry delay; each next one doubles, capped at an hour (FBSS_OUTBOX_RETRY_BASE_SECONDS)."""
    return timedelta(seconds=float(getattr(settings, "FBSS_OUTBOX_RETRY_BASE_SECONDS", 60)))


def dispatch_budget_seconds() -> float:
    """How long one dispatcher run keeps claiming batches before it returns (well under the task limit)."""
    return float(getattr(settings, "FBSS_OUTBOX_DISPATCH_BUDGET_SECONDS", 50))


def default_phone_region() -> str | None:
    """Region for phone numbers written without +country code (FBSS_SMS_DEFAULT_REGION, e.g. ``US``)."""
    return getattr(settings, "FBSS_SMS_DEFAULT_REGION", None) or None
