"""Sending in batches over several SMTP sessions: what a dead worker can leave unrecorded.

Each session hands back the message it delivered and sends nothing more until the dispatcher has
recorded it, so at most one delivered, unrecorded message per session exists at any moment (the
at-least-once window of ``notifications/dispatch.py``). Real SMTP server, real PostgreSQL.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from conftest import wait_for
from notifications import dispatch
from notifications.models import Message, Status

from .factories import queue_email
from .servers import SmtpSink

pytestmark = pytest.mark.django_db


def test_each_session_waits_for_its_delivery_to_be_recorded(settings: Any) -> None:
    for i in range(10):
        queue_email(f"window:{i}")
    ids = dispatch.claim_due()
    messages = list(Message.objects.filter(pk__in=ids).order_by("pk"))
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
        senders = dispatch._EmailSenders(2)
        try:
            for message in messages:
                senders.jobs.put(message)
            assert wait_for(lambda: len(sink.messages) == 2, timeout=30, interval=0.05)
            time.sleep(0.5)
            # Nothing recorded yet: each of the two sessions delivered one message and waits.
            assert len(sink.messages) == 2
            assert Message.objects.filter(status=Status.SENDING).count() == 10
            first = [senders.results.get(timeout=5), senders.results.get(timeout=5)]
            dispatch._record(first)
            for delivery in first:
                delivery.recorded.set()
            assert wait_for(lambda: len(sink.messages) == 4, timeout=30, interval=0.05)
            assert Message.objects.filter(status=Status.SENT).count() == 2
        finally:
            senders.close()
        # Closing dropped the six messages no session had taken: they stay claimed for a later run.
        assert len(sink.messages) == 4
        assert not any(thread.is_alive() for thread in senders.threads)


def test_a_run_sends_every_batch_over_its_sessions_and_marks_them_sent_in_bulk(
    settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.FBSS_OUTBOX_BATCH_SIZE = 100
    settings.FBSS_OUTBOX_SMTP_CONNECTIONS = 4
    for i in range(300):
        queue_email(f"bulk:{i:03d}")
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
        # Per batch: the claim (select, update, savepoints) and the fetch; then one UPDATE per
        # group of deliveries recorded together, at most one per message.
        with django_assert_max_num_queries(300 + 4 * 6):
            assert dispatch.dispatch_due() == 300
        counts = sink.count_by_key()
    assert Message.objects.filter(status=Status.SENT).count() == 300
    assert sorted(counts) == [f"bulk:{i:03d}" for i in range(300)]
    assert set(counts.values()) == {1}
    sent = Message.objects.filter(status=Status.SENT)
    assert all(m.provider_id == f"<fbss-outbox-{m.pk}@{dispatch._mail_domain()}>" for m in sent)
