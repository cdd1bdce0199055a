"""The item-9 alert reaches the physician through the real outbox, a real Celery worker and real
SMTP (aiosmtpd), and of two simultaneous submissions exactly one counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from conftest import race, wait_for
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


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_give_one_response(patient_a: Any, physician_a: Any, clinic_a: Any) -> None:
    invitation, token = _setup(patient_a, physician_a, clinic_a)
    for page in pages_for(invitation):
        page_save(invitation=invitation, page=page, answers={"pain": "4"} if page.number < 3 else PHQ9_CALM)

    def submit() -> str:
        invitation_submit(invitation=SurveyInvitation.objects.get(pk=invitation.pk), raw_token=token)
        return "submitted"

    outcomes, blocked = race(submit, submit)
    assert blocked, "the second submission never waited on the first: the race was not exercised"
    assert outcomes["first"] == "submitted"
    assert isinstance(outcomes["second"], SurveyClosed) and outcomes["second"].reason == "completed"
    assert Response.objects.filter(invitation=invitation, submitted_at__isnull=False).count() == 3
    assert ResponseScore.objects.filter(response__invitation=invitation, key="total").count() == 1  # PHQ-9's, once
    assert ResponseScore.objects.filter(response__invitation=invitation, key="pain").count() == 2
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.COMPLETED
