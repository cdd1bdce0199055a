"""The outbox on PostgreSQL: queueing, owner checks, retries, cancel and resend, claims."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from conftest import all_at_once
from notifications import checks, dispatch, selectors, services
from notifications.models import Message, Status

from .factories import dispatched, queue_email, queue_sms
from .servers import FakeSmsProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_dir(settings: Any, tmp_path: Path) -> Path:
    settings.FBSS_SMS_BACKEND = "notifications.sms.FileBackend"
    settings.FBSS_SMS_FILE_PATH = str(tmp_path / "sms")
    return tmp_path / "sms"


@pytest.fixture
def failing_provider(settings: Any) -> Iterator[FakeSmsProvider]:
    """An SMS provider that answers 503 (an outage) until told otherwise."""
    with FakeSmsProvider(status=503) as provider:
        settings.FBSS_SMS_BACKEND = "notifications.sms.HttpBackend"
        settings.FBSS_SMS_HTTP_URL = provider.url
        settings.FBSS_SMS_HTTP_TOKEN = "test-token"
        yield provider


@pytest.fixture
def registered_check() -> Iterator[dict[str, Any]]:
    answer: dict[str, Any] = {"reason": None, "seen": []}

    def _check(message: Message) -> str | None:
        answer["seen"].append(message.pk)
        return answer["reason"]

    checks.register_check("test_message", _check)
    yield answer
    checks.unregister_check("test_message")


def test_enqueue_refuses_a_duplicate_idempotency_key() -> None:
    first = queue_email("appt:1:48h")
    second = queue_email("appt:1:48h", subject="Something else", recipient="other@example.org")

    assert second.pk == first.pk
    assert Message.objects.count() == 1
    assert Message.objects.get().subject == "Your appointment"


def test_the_database_refuses_a_duplicate_key_even_past_the_service() -> None:
    queue_email("appt:2:48h")
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            channel="email", recipient="x@example.org", body="b", due_at=timezone.now(), purpose="p",
            owner_ref="o:1", idempotency_key="appt:2:48h",
        )  # fmt: skip


def test_enqueue_stores_sms_numbers_in_e164() -> None:
    message = queue_sms("sms:1", recipient="+1 (415) 555-2671")
    assert message.recipient == "+14155552671"


@pytest.mark.parametrize("number", ["12345", "not a phone", "+1 415 555", "+999 1234567"])
def test_enqueue_rejects_an_invalid_phone_number(number: str) -> None:
    with pytest.raises(ValidationError):
        queue_sms("sms:bad", recipient=number)
    assert not Message.objects.exists()


def test_enqueue_rejects_an_invalid_email_address() -> None:
    with pytest.raises(ValidationError):
        queue_email("mail:bad", recipient="not-an-address")
    assert not Message.objects.exists()


def test_a_message_whose_owner_says_no_is_skipped_with_the_reason(
    registered_check: dict[str, Any], mailoutbox: list[Any]
) -> None:
    message = queue_email("appt:3:2h")
    registered_check["reason"] = "appointment cancelled"

    dispatched(message)
    assert message.status == Status.SKIPPED
    assert message.last_error == "appointment cancelled"
    assert registered_check["seen"] == [message.pk]
    assert mailoutbox == []


def test_a_message_whose_owner_still_wants_it_is_sent(registered_check: dict[str, Any], mailoutbox: list[Any]) -> None:
    message = queue_email("appt:4:2h")

    dispatched(message)
    assert message.status == Status.SENT
    assert message.sent_at is not None
    assert registered_check["seen"] == [message.pk]
    assert len(mailoutbox) == 1
    assert "key=appt:4:2h" in mailoutbox[0].body


def test_a_purpose_without_a_check_is_sent(mailoutbox: list[Any]) -> None:
    message = queue_email("unknown:1", purpose="nobody_checks_this")
    dispatched(message)
    assert message.status == Status.SENT
    assert len(mailoutbox) == 1


def test_a_message_not_yet_due_waits(mailoutbox: list[Any]) -> None:
    message = queue_email("later:1", due_at=timezone.now() + timedelta(hours=2))
    dispatched(message)
    assert message.status == Status.PENDING
    assert mailoutbox == []


def test_transient_failures_back_off_then_fail_after_max_attempts(
    settings: Any, failing_provider: FakeSmsProvider
) -> None:
    settings.FBSS_OUTBOX_MAX_ATTEMPTS = 4
    settings.FBSS_OUTBOX_RETRY_BASE_SECONDS = 60
    start = timezone.now()
    message = queue_sms("sms:retry", due_at=start)
    delays = []
    with time_machine.travel(start, tick=False) as clock:
        for attempt in range(1, 5):
            dispatched(message)
            assert message.attempts == attempt
            if attempt < 4:
                assert message.status == Status.PENDING
                assert "HTTP 503" in message.last_error
                delays.append(message.due_at - timezone.now())
                # Nothing happens before the new due time...
                clock.move_to(message.due_at - timedelta(seconds=1))
                dispatched(message)
                assert message.attempts == attempt
                clock.move_to(message.due_at)
    assert delays == [timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]
    assert message.status == Status.FAILED
    assert len(failing_provider.requests) == 4
    # The provider echoed the phone number in its error body; none of it is stored.
    assert "+1415" not in message.last_error


def test_a_refusal_by_the_provider_fails_at_once(failing_provider: FakeSmsProvider) -> None:
    failing_provider.status = 400
    message = queue_sms("sms:refused")
    dispatched(message)
    assert message.status == Status.FAILED
    assert message.attempts == 1
    assert "HTTP 400" in message.last_error


def test_failed_messages_are_listed_per_clinic(failing_provider: FakeSmsProvider) -> None:
    failing_provider.status = 400
    mine = [queue_sms(f"sms:a{i}", clinic_id=1) for i in range(3)]
    queue_sms("sms:b", clinic_id=2)
    pending = queue_email("mail:a", clinic_id=1, due_at=timezone.now() + timedelta(days=1))
    dispatch.dispatch_due()

    listed = list(selectors.failed_messages(clinic_id=1))

    assert {m.pk for m in listed} == {m.pk for m in mine}
    assert pending.pk not in {m.pk for m in listed}


def test_cancel_stops_the_owners_pending_messages_only(mailoutbox: list[Any]) -> None:
    # A purpose of its own: "appointment_reminder" has scheduling's check, which knows no appointment 6.
    first = queue_email("appt:5:48h", owner_ref="scheduling.appointment:5", purpose="test_reminder")
    second = queue_email("appt:5:2h", owner_ref="scheduling.appointment:5", purpose="test_reminder")
    other = queue_email("appt:6:2h", owner_ref="scheduling.appointment:6", purpose="test_reminder")

    assert services.cancel(owner_ref="scheduling.appointment:5", purpose="test_reminder") == 2
    dispatch.dispatch_due()

    statuses = dict(Message.objects.values_list("pk", "status"))
    assert statuses == {first.pk: Status.CANCELLED, second.pk: Status.CANCELLED, other.pk: Status.SENT}
    assert len(mailoutbox) == 1


def test_resend_sends_a_finished_message_again(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    message = queue_email("appt:7:48h")
    dispatch.dispatch_due()
    assert len(mailoutbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.resend(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert len(mailoutbox) == 2


def test_resend_refuses_a_message_still_waiting() -> None:
    message = queue_email("appt:8:48h", due_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.resend(message_id=message.pk)


def test_an_urgent_message_is_sent_when_its_transaction_commits(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = queue_email("alert:1", urgent=True)
        assert mailoutbox == []
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mailoutbox) == 1


def test_the_file_sms_backend_writes_one_file_per_message(sms_dir: Path) -> None:
    queue_sms("sms:f1", recipient="+46701234567")
    queue_sms("sms:f2", recipient="+14155552671")

    dispatch.dispatch_due()

    files = sorted(sms_dir.glob("*.sms"))
    assert len(files) == 2
    texts = "".join(f.read_text() for f in files)
    assert "To: +46701234567" in texts and "key=sms:f1" in texts
    assert "To: +14155552671" in texts and "key=sms:f2" in texts
    assert set(Message.objects.values_list("provider_id", flat=True)) == {f.name for f in files}


def test_the_http_sms_adapter_posts_json_to_the_provider(settings: Any) -> None:
    with FakeSmsProvider() as provider:
        settings.FBSS_SMS_BACKEND = "notifications.sms.HttpBackend"
        settings.FBSS_SMS_HTTP_URL = provider.url
        settings.FBSS_SMS_HTTP_TOKEN = "secret-token"
        settings.FBSS_SMS_FROM = "+15005550006"
        message = queue_sms("sms:http", recipient="+46701234567")

        dispatch.dispatch_due()

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.provider_id == "SM000001"
    [request] = provider.requests
    assert request["path"] == "/v1/messages"
    assert request["headers"]["Authorization"] == "Bearer secret-token"
    assert request["json"] == {
        "from": "+15005550006", "to": "+46701234567", "body": "Reminder. key=sms:http", "reference": str(message.pk),
    }  # fmt: skip


def test_the_http_sms_adapter_refuses_a_plain_http_remote_url(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from notifications.sms import HttpBackend

    settings.FBSS_SMS_HTTP_URL = "http://sms.example.com/send"
    with pytest.raises(ImproperlyConfigured):
        HttpBackend()


def test_an_unreachable_provider_is_a_transient_failure(settings: Any) -> None:
    from .servers import free_port

    settings.FBSS_SMS_BACKEND = "notifications.sms.HttpBackend"
    settings.FBSS_SMS_HTTP_URL = f"http://127.0.0.1:{free_port()}/send"
    message = queue_sms("sms:down")
    dispatched(message)
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "unreachable" in message.last_error


def test_a_row_whose_worker_died_is_claimed_again_after_its_lease(settings: Any, mailoutbox: list[Any]) -> None:
    settings.FBSS_OUTBOX_LEASE_SECONDS = 300
    message = queue_email("lease:1")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert dispatch.claim_due() == [message.pk]  # ... and the worker dies here
        clock.shift(timedelta(seconds=299))
        assert dispatch.claim_due() == []
        clock.shift(timedelta(seconds=2))
        dispatch.dispatch_due()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_rows_another_transaction_holds() -> None:
    messages = [queue_email(f"lock:{i}") for i in range(4)]
    locked = threading.Event()
    release = threading.Event()

    def hold_two() -> None:
        try:
            with transaction.atomic():
                list(Message.objects.select_for_update().filter(pk__in=[messages[0].pk, messages[1].pk]))
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_two)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        claimed = dispatch.claim_due()
    finally:
        release.set()
        holder.join()
    assert sorted(claimed) == sorted([messages[2].pk, messages[3].pk])
    assert sorted(dispatch.claim_due()) == sorted([messages[0].pk, messages[1].pk])


def test_owner_refs_name_a_row_without_importing_its_app(patient_a: Any) -> None:
    ref = services.owner_ref_for(patient_a)
    assert ref == f"patients.patient:{patient_a.pk}"
    assert services.parse_owner_ref(ref) == ("patients", "patient", str(patient_a.pk))


def test_the_selector_lists_many_owners_in_one_query(django_assert_max_num_queries: Any) -> None:
    refs = [f"scheduling.appointment:{i}" for i in range(60)]
    for i, ref in enumerate(refs):
        queue_email(f"many:{i}:48h", owner_ref=ref)
        queue_email(f"many:{i}:2h", owner_ref=ref)
    with django_assert_max_num_queries(1):
        rows = list(selectors.messages_for_owners(owner_refs=refs))
    assert len(rows) == 120


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_enqueues_of_one_key_make_one_row() -> None:
    threads_n = 6

    def attempt(_i: int) -> int:
        with transaction.atomic():
            return queue_email("race:1").pk

    pks = [r for r in all_at_once(threads_n, attempt) if isinstance(r, int)]
    assert len(pks) == threads_n
    assert len(set(pks)) == 1
    assert Message.objects.count() == 1


def test_dispatch_costs_one_update_per_message_and_a_few_per_batch(
    settings: Any, mailoutbox: list[Any], django_assert_max_num_queries: Any
) -> None:
    settings.FBSS_OUTBOX_BATCH_SIZE = 50
    for i in range(120):
        queue_email(f"bulk:{i}")
    # 3 batches (claim: select + update; fetch) + an empty claim, transactions' savepoints, and
    # one conditional UPDATE per message.
    with django_assert_max_num_queries(120 + 4 * 6):
        assert dispatch.dispatch_due() == 120
    assert Message.objects.filter(status=Status.SENT).count() == 120
    assert len(mailoutbox) == 120


def test_beat_runs_the_dispatcher_every_minute() -> None:
    from django.conf import settings as django_settings

    from fbss_clinic.celery import app
    from notifications.tasks import dispatch_due

    entries = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == dispatch_due.name]
    assert entries == [{"task": "notifications.dispatch_due", "schedule": 60.0}]
    assert "notifications.dispatch_due" in app.tasks
