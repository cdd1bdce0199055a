"""Sending: claim due rows, ask their owner, send, record the outcome.

Delivery is *at least once, and exactly once unless a worker dies mid-send*:

1. :func:`claim_due` takes due rows in one short transaction with
   ``SELECT ... FOR UPDATE SKIP LOCKED`` (so concurrent workers take disjoint rows), marks them
   ``sending`` with ``claimed_at = now`` (the lease) and counts the attempt. It commits before
   anything is sent, so no lock is held over the network.
2. The owner checks run (in the worker's thread, which alone touches the database). E-mails then
   go out over FBSS_OUTBOX_SMTP_CONNECTIONS SMTP sessions at once (:class:`_EmailSenders`, one
   thread and one session each, reused over every batch of the run): a sender hands each message
   it delivered back and waits until the worker has recorded it before it sends its next one. The
   worker records what came back in bulk: one conditional UPDATE marks every delivered message
   ``sent`` (still holding the lease); a failure is recorded row by row (retry or failed). SMS
   and single urgent messages (:func:`process`) are sent and recorded one at a time.
3. A row left ``sending`` by a worker that died is claimed again once its lease is older than
   FBSS_OUTBOX_LEASE_SECONDS. Only the messages that were on the wire or delivered but not yet
   recorded when the worker died can go twice: at most one per SMTP session, so at most
   FBSS_OUTBOX_SMTP_CONNECTIONS per dead worker (one with a single session). The rest of its batch
   had not been sent and goes once.

On SQLite (the demo) ``select_for_update`` is a no-op, but the demo's connections open IMMEDIATE
transactions, which take the database's write lock at BEGIN: two claims run one after the other,
and the second sees the first's rows as ``sending``.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import logging
import queue
import smtplib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import Header
from email.utils import formatdate

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Concat
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


def _message_id(pk: int) -> str:
    return f"<fbss-outbox-{pk}@{_mail_domain()}>"


def _plain_header(value: str) -> bool:
    return value.isascii() and "\r" not in value and "\n" not in value and len(value) < 900


@functools.cache
def _from_address() -> tuple[str, str]:
    """The envelope sender and the From header (DEFAULT_FROM_EMAIL), worked out once per process."""
    from django.conf import settings

    from_email = str(settings.DEFAULT_FROM_EMAIL)
    header = EmailMessage(from_email=from_email).message()["From"]
    return sanitize_address(from_email, settings.DEFAULT_CHARSET), str(header)


def _plain_email_bytes(message: Message) -> tuple[str, str, bytes] | None:
    """Envelope sender, recipient and the bytes of a text-only e-mail, built directly.

    Django's ``EmailMessage`` costs about a millisecond per message in header folding; an outbox
    message has one recipient, a subject and a text body, so it is written here (a UTF-8 body in
    base64, a non-ASCII subject as an RFC 2047 word). None when the message needs Django's builder
    (attachments, a non-ASCII address).
    """
    if message.attachments or not message.recipient.isascii() or not _plain_header(message.recipient):
        return None
    sender, from_header = _from_address()
    subject = message.subject if _plain_header(message.subject) else Header(message.subject, "utf-8").encode()
    body = message.body.replace("\r\n", "\n").replace("\r", "\n")
    if body.isascii() and all(len(line) < 990 for line in body.split("\n")):
        encoding, payload = "7bit", body.replace("\n", "\r\n")
    else:
        encoding, payload = "base64", base64.encodebytes(body.encode()).decode().replace("\n", "\r\n")
    headers = (
        f"Content-Type: text/plain; charset=\"utf-8\"\r\nMIME-Version: 1.0\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\nSubject: {subject}\r\nFrom: {from_header}\r\n"
        f"To: {message.recipient}\r\nDate: {formatdate(localtime=False)}\r\nMessage-ID: {_message_id(message.pk)}\r\n"
    )
    return sender, message.recipient, (headers + "\r\n" + payload).encode()


def _send_email(message: Message, channels: _Channels) -> str:
    plain = _plain_email_bytes(message)
    try:
        backend = channels.email_connection()
    except (smtplib.SMTPException, OSError) as exc:
        channels.reset_email()
        raise TransientSendError(f"mail server unreachable: {type(exc).__name__}") from None
    if plain is not None and isinstance(backend, SmtpBackend) and backend.connection is not None:
        sender, recipient, data = plain
        with _smtp_errors(channels):
            backend.connection.sendmail(sender, [recipient], data)
        return _message_id(message.pk)
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.recipient],
        headers={"Message-ID": _message_id(message.pk)},
    )
    for item in message.attachments:
        email.attach(item["filename"], item["content"], item["mimetype"])
    with _smtp_errors(channels):
        backend.send_messages([email])
    return email.extra_headers["Message-ID"]


@contextlib.contextmanager
def _smtp_errors(channels: _Channels) -> Iterator[None]:
    """What the mail server's refusals and failures mean for the outbox: a refused recipient or a
    5xx answer is permanent, anything else (4xx, a lost connection) is tried again later."""
    try:
        yield
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


@dataclass
class _Delivery:
    """A sender's answer for one e-mail; the sender waits on ``recorded`` before its next send."""

    message: Message
    error: SendError | None
    recorded: threading.Event = field(default_factory=threading.Event)


class _EmailSenders:
    """SMTP sessions in threads that send e-mails while the worker's thread records outcomes.

    The threads never touch the database. Each sends one message, hands it back and waits until
    the worker has recorded it: a dead worker leaves at most one delivered, unrecorded message per
    session.
    """

    def __init__(self, count: int) -> None:
        self.jobs: queue.Queue[Message | None] = queue.Queue()
        self.results: queue.Queue[_Delivery] = queue.Queue()
        self.threads = [threading.Thread(target=self._run, name=f"outbox-smtp-{k}", daemon=True) for k in range(count)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        channels = _Channels()
        try:
            while (message := self.jobs.get()) is not None:
                error: SendError | None = None
                try:
                    _send_email(message, channels)
                except SendError as exc:
                    error = exc
                except Exception as exc:  # noqa: BLE001 - any surprise is a transient failure of this message
                    logger.exception("outbox message %s: unexpected error while sending", message.pk)
                    error = TransientSendError(f"unexpected error: {type(exc).__name__}")
                delivery = _Delivery(message, error)
                self.results.put(delivery)
                delivery.recorded.wait()
        finally:
            channels.close()

    def send(self, messages: list[Message]) -> None:
        """Send ``messages`` and record each outcome; returns when all are recorded."""
        for message in messages:
            self.jobs.put(message)
        waiting = len(messages)
        while waiting:
            got = [self.results.get()]
            with contextlib.suppress(queue.Empty):
                while True:
                    got.append(self.results.get_nowait())
            try:
                _record(got)
            finally:
                for delivery in got:
                    delivery.recorded.set()
            waiting -= len(got)

    def close(self) -> None:
        """Stop the sessions. What is not yet sent stays queued no more: its rows stay ``sending``
        and come back after their lease (after an error while recording, say)."""
        with contextlib.suppress(queue.Empty):
            while True:
                self.jobs.get_nowait()
        for _thread in self.threads:
            self.jobs.put(None)
        deadline = time.monotonic() + 60
        for thread in self.threads:
            while thread.is_alive() and time.monotonic() < deadline:
                # A session that delivered while the run was failing waits to be released.
                with contextlib.suppress(queue.Empty):
                    self.results.get(timeout=0.1).recorded.set()


def _record(deliveries: list[_Delivery]) -> None:
    """Mark the delivered messages sent in one UPDATE per lease; a failure row by row."""
    sent: dict[datetime | None, list[int]] = {}
    for d in deliveries:
        if d.error is None:
            sent.setdefault(d.message.claimed_at, []).append(d.message.pk)
        else:
            _fail_or_retry(d.message, str(d.error), permanent=isinstance(d.error, PermanentSendError))
    now = timezone.now()
    for claimed_at, ids in sent.items():
        updated = Message.objects.filter(pk__in=ids, status=Status.SENDING, claimed_at=claimed_at).update(
            status=Status.SENT, sent_at=now, last_error="", updated_at=now,
            provider_id=Concat(Value("<fbss-outbox-"), Cast("pk", CharField()), Value(f"@{_mail_domain()}>")),
        )  # fmt: skip
        if updated != len(ids):
            logger.warning("outbox: %s sent messages had lost their lease before their outcome was recorded", len(ids) - updated)


def _checked(ids: list[int], channels: _Channels) -> list[Message]:
    """The claimed rows, in order, after their owner checks: the e-mails still to send (SMS, skips
    and failed checks are handled here, one by one)."""
    emails = []
    for message in Message.objects.filter(pk__in=ids).order_by("-urgent", "due_at", "pk"):
        if message.channel != Channel.EMAIL or message.attempts > conf.max_attempts():
            process(message, channels)
            continue
        try:
            reason = checks.check(message)
        except Exception as exc:
            logger.exception("outbox message %s: the owner check of %r raised", message.pk, message.purpose)
            _fail_or_retry(message, f"owner check failed: {type(exc).__name__}", permanent=False)
            continue
        if reason:
            _finish(message, status=Status.SKIPPED, last_error=str(reason)[:500], claimed_at=None)
            continue
        emails.append(message)
    return emails


def dispatch_due(*, budget_seconds: float | None = None) -> int:
    """Claim and send due batches until none is left or the time budget is spent; how many were handled."""
    budget = conf.dispatch_budget_seconds() if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    handled = 0
    channels = _Channels()
    senders: _EmailSenders | None = None
    try:
        while time.monotonic() < deadline:
            ids = claim_due()
            if not ids:
                break
            emails = _checked(ids, channels)
            if emails:
                senders = senders or _EmailSenders(conf.smtp_connections())
                senders.send(emails)
            handled += len(ids)
    finally:
        channels.close()
        if senders is not None:
            senders.close()
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
