"""Sending: claim due rows, ask their owner, send, record the outcome.

Delivery is *at least once, and exactly once unless a worker dies mid-send*:

1. :func:`claim_due` takes due rows in one short transaction with
   ``SELECT ... FOR UPDATE SKIP LOCKED`` (so concurrent workers take disjoint rows), marks them
   ``sending`` with ``claimed_at = now`` (the lease) and counts the attempt. It commits before
   anything is sent, so no lock is held over the network.
2. :func:`process` sends each claimed row and marks it ``sent`` (or retry, failed, skipped) in its
   own commit, conditional on still holding the lease.
3. A row left ``sending`` by a worker that died is claimed again once its lease is older than
   FBSS_OUTBOX_LEASE_SECONDS. Only the one message that was on the wire when the worker died can
   go twice; the rest of its batch had not been sent and goes once.

On SQLite (the demo) ``select_for_update`` is a no-op, but the demo's connections open IMMEDIATE
transactions, which take the database's write lock at BEGIN: two claims run one after the other,
and the second sees the first's rows as ``sending``.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from . import checks, conf
from .models import Channel, Message, Status
from .sms import PermanentSendError, SendError, Sms, SmsBackend, TransientSendError, get_sms_backend

logger = logging.getLogger(__name__)

MAX_RETRY_DELAY = timedelta(hours=1)


def claim_due(*, now: datetime | None = None, limit: int | None = None, message_id: int | None = None) -> list[int]:
    """Claim up to ``limit`` due rows (urgent first, then oldest due) for this worker; their ids."""
    now = now or timezone.now()
    limit = limit or conf.batch_size()
    due = Q(status=Status.PENDING, due_at__lte=now) | Q(status=Status.SENDING, claimed_at__lt=now - conf.lease())
    with transaction.atomic():
        rows = Message.objects.filter(due)
        if message_id is not None:
            rows = rows.filter(pk=message_id)
        ids = list(
            rows.order_by("-urgent", "due_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Message.objects.filter(pk__in=ids).update(
                status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
            )
    return ids


@dataclass
class _Channels:
    """Connections reused over one batch: one SMTP session for many e-mails."""

    email: BaseEmailBackend | None = None
    sms: SmsBackend | None = None
    email_open: bool = field(default=False)

    def email_connection(self) -> BaseEmailBackend:
        if self.email is None:
            self.email = get_connection(fail_silently=False)
        if not self.email_open:
            self.email.open()
            self.email_open = True
        return self.email

    def reset_email(self) -> None:
        if self.email is not None and self.email_open:
            # A broken session is being dropped anyway.
            with contextlib.suppress(Exception):
                self.email.close()
        self.email_open = False

    def sms_backend(self) -> SmsBackend:
        if self.sms is None:
            self.sms = get_sms_backend()
        return self.sms

    def close(self) -> None:
        self.reset_email()


def _send_email(message: Message, channels: _Channels) -> str:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.recipient],
        headers={"Message-ID": f"<fbss-outbox-{message.pk}@{_mail_domain()}>"},
    )
    for item in message.attachments:
        email.attach(item["filename"], item["content"], item["mimetype"])
    try:
        channels.email_connection().send_messages([email])
    except smtplib.SMTPRecipientsRefused:
        channels.reset_email()
        raise PermanentSendError("the mail server refused the recipient") from None
    except smtplib.SMTPResponseException as exc:
        channels.reset_email()
        if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPSenderRefused):
            raise PermanentSendError(f"the mail server refused the message: SMTP {exc.smtp_code}") from None
        raise TransientSendError(f"the mail server answered SMTP {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as exc:
        channels.reset_email()
        raise TransientSendError(f"mail server unreachable: {type(exc).__name__}") from None
    return email.extra_headers["Message-ID"]


def _mail_domain() -> str:
    from django.core.mail.utils import DNS_NAME

    return str(DNS_NAME)


def _send(message: Message, channels: _Channels) -> str:
    if message.channel == Channel.EMAIL:
        return _send_email(message, channels)
    if message.channel == Channel.SMS:
        return channels.sms_backend().send(Sms(message_id=message.pk, to=message.recipient, body=message.body))
    raise PermanentSendError(f"unknown channel {message.channel!r}")


def _finish(message: Message, **changes: object) -> bool:
    """Record an outcome if this worker still holds the row's lease; False if it lost it."""
    updated = Message.objects.filter(pk=message.pk, status=Status.SENDING, claimed_at=message.claimed_at).update(
        updated_at=timezone.now(), **changes
    )
    if not updated:
        logger.warning("outbox message %s: lease lost before its outcome was recorded", message.pk)
    return bool(updated)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2x base, 4x base, ... capped at an hour."""
    return min(conf.retry_base() * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def _fail_or_retry(message: Message, error: str, *, permanent: bool) -> str:
    error = error[:500]
    if permanent or message.attempts >= conf.max_attempts():
        _finish(message, status=Status.FAILED, last_error=error, claimed_at=None)
        logger.warning("outbox message %s failed after %s attempts: %s", message.pk, message.attempts, error)
        return Status.FAILED
    _finish(
        message,
        status=Status.PENDING,
        last_error=error,
        claimed_at=None,
        due_at=timezone.now() + retry_delay(message.attempts),
    )
    logger.info("outbox message %s: attempt %s failed, will retry: %s", message.pk, message.attempts, error)
    return Status.PENDING


def process(message: Message, channels: _Channels) -> str:
    """Check, send and record one claimed message; returns its new status."""
    if message.attempts > conf.max_attempts():
        # Only reachable when workers died while holding it, again and again.
        return _fail_or_retry(message, gettext("gave up: the worker stopped while sending"), permanent=True)
    try:
        reason = checks.check(message)
    except Exception as exc:
        logger.exception("outbox message %s: the owner check of %r raised", message.pk, message.purpose)
        return _fail_or_retry(message, f"owner check failed: {type(exc).__name__}", permanent=False)
    if reason:
        _finish(message, status=Status.SKIPPED, last_error=str(reason)[:500], claimed_at=None)
        return Status.SKIPPED
    try:
        provider_id = _send(message, channels)
    except SendError as exc:
        return _fail_or_retry(message, str(exc), permanent=isinstance(exc, PermanentSendError))
    except Exception as exc:
        logger.exception("outbox message %s: unexpected error while sending", message.pk)
        return _fail_or_retry(message, f"unexpected error: {type(exc).__name__}", permanent=False)
    _finish(message, status=Status.SENT, sent_at=timezone.now(), provider_id=provider_id[:255], last_error="")
    return Status.SENT


def _process_ids(ids: list[int], channels: _Channels) -> int:
    for message in Message.objects.filter(pk__in=ids).order_by("-urgent", "due_at", "pk"):
        process(message, channels)
    return len(ids)


def dispatch_due(*, budget_seconds: float | None = None) -> int:
    """Claim and send due batches until none is left or the time budget is spent; how many were handled."""
    budget = conf.dispatch_budget_seconds() if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    handled = 0
    channels = _Channels()
    try:
        while time.monotonic() < deadline:
            ids = claim_due()
            if not ids:
                break
            handled += _process_ids(ids, channels)
    finally:
        channels.close()
    return handled


def send_now(*, message_id: int) -> bool:
    """Send one message at once if it is due and nobody holds it (urgent messages); True if handled."""
    ids = claim_due(message_id=message_id, limit=1)
    if not ids:
        return False
    channels = _Channels()
    try:
        _process_ids(ids, channels)
    finally:
        channels.close()
    return True
