"""The item-9 alert reaches the physician through the real outbox, a real Celery worker and real
SMTP (aiosmtpd), and of two simultaneous submissions exactly one counts."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from conftest import wait_for
from notifications.models import Message, Status
from notifications.tests.servers import SmtpSink
from outcomes import surveys
from outcomes.models import InvitationStatus, Response, ResponseScore, SafetyAlert, SurveyInvitation
from outcomes.survey_flow import SurveyClosed, invitation_submit, page_save, pages_for
from outcomes.tests.survey_data import PHQ9_CALM, PHQ9_ITEM9, consenting, enrolled, load_instruments, short_schedule

TOKEN = re.compile(r"/survey/([A-Za-z0-9_-]{43})/")


@pytest.fixture
def smtp_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """A local SMTP server the worker (started after this) sends to."""
    with SmtpSink() as sink:
        monkeypatch.setenv("FBSS_TEST_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
        monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
        monkeypatch.setenv("EMAIL_PORT", str(sink.port))
        monkeypatch.setenv("EMAIL_USE_TLS", "false")
        yield sink


@pytest.fixture
def worker_with_smtp(smtp_env: SmtpSink, celery_worker: Any) -> SmtpSink:
    return smtp_env


def _setup(patient_a: Any, physician_a: Any, clinic_a: Any) -> tuple[SurveyInvitation, str]:
    load_instruments()
    physician_a.email = "physician.a@clinic-a.example.org"
    physician_a.save()
    invitation = enrolled(consenting(patient_a), short_schedule(clinic_a))
    message = Message.objects.get(purpose="survey_invitation", owner_ref=surveys.invitation_owner_ref(invitation))
    found = TOKEN.search(message.body)
    assert found
    return invitation, found.group(1)


@pytest.mark.django_db(transaction=True)
def test_the_item_nine_alert_email_reaches_the_physician_through_the_worker_within_a_minute(
    worker_with_smtp: SmtpSink, patient_a: Any, physician_a: Any, clinic_a: Any
) -> None:
    invitation, token = _setup(patient_a, physician_a, clinic_a)
    client = Client()
    # Only the PHQ-9 page: the patient never submits.
    assert client.post(f"/survey/{token}/3/", PHQ9_ITEM9).status_code == 302
    assert SafetyAlert.objects.filter(patient=patient_a, acknowledged_at__isnull=True).count() == 1

    def delivered() -> list[Any]:
        return [m for m in worker_with_smtp.messages if "needs your attention" in str(m["Subject"])]

    mails = wait_for(delivered, timeout=60)
    assert mails, "no alert e-mail reached the SMTP server within 60 s"
    assert mails[0]["To"] == physician_a.email
    row = Message.objects.get(purpose="survey_safety_alert")
    assert (row.status, row.urgent) == (Status.SENT, True)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN  # nothing submitted, the alert went anyway


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_give_one_response(patient_a: Any, physician_a: Any, clinic_a: Any) -> None:
    invitation, token = _setup(patient_a, physician_a, clinic_a)
    for page in pages_for(invitation):
        page_save(invitation=invitation, page=page, answers={"pain": "4"} if page.number < 3 else PHQ9_CALM)
    outcomes: dict[str, object] = {}
    first_in, release = threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                invitation_submit(invitation=SurveyInvitation.objects.get(pk=invitation.pk), raw_token=token)
                first_in.set()
                assert release.wait(20)  # hold the row lock until the second waits on it
            outcomes["first"] = "submitted"
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            outcomes["first"] = exc
        finally:
            first_in.set()
            connections.close_all()

    def second() -> None:
        try:
            assert first_in.wait(20)
            invitation_submit(invitation=SurveyInvitation.objects.get(pk=invitation.pk), raw_token=token)
            outcomes["second"] = "submitted"
        except Exception as exc:  # noqa: BLE001
            outcomes["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while _waiting_on_a_lock() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    blocked = _waiting_on_a_lock() > 0
    release.set()
    for t in threads:
        t.join(30)
    assert blocked, "the second submission never waited on the first: the race was not exercised"
    assert outcomes["first"] == "submitted"
    assert isinstance(outcomes["second"], SurveyClosed) and outcomes["second"].reason == "completed"
    assert Response.objects.filter(invitation=invitation, submitted_at__isnull=False).count() == 3
    assert ResponseScore.objects.filter(response__invitation=invitation, key="total").count() == 1  # PHQ-9's, once
    assert ResponseScore.objects.filter(response__invitation=invitation, key="pain").count() == 2
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.COMPLETED

