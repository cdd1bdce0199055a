"""E-mail through a real SMTP server (aiosmtpd), with the .ics invitation parsed back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from notifications import dispatch
from notifications.ics import ics_attachment, ics_event
from notifications.models import Message, Status

from .factories import dispatched, queue_email
from .servers import SmtpSink

pytestmark = pytest.mark.django_db


def test_an_email_with_its_ics_reaches_a_real_smtp_server(settings: Any) -> None:
    start = datetime(2026, 3, 29, 9, 30, tzinfo=ZoneInfo("Europe/Stockholm"))  # the day clocks change
    ics = ics_event(
        uid="appointment-42@fbss.example.org",
        start=start,
        end=start + timedelta(minutes=30),
        summary="Appointment at Clinic A",
        location="1 Main Street, Springfield",
        organizer_email="frontdesk@clinic-a.example.org",
        organizer_name="Clinic A",
    )
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        message = queue_email("appt:42:48h", attachments=[ics_attachment(ics)])

        dispatch.dispatch_due()
        received = sink.messages

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(received) == 1
    mail = received[0]
    assert mail["To"] == "patient@example.org"
    assert mail["Subject"] == "Your appointment"
    assert mail["Message-ID"] == message.provider_id
    [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "appointment.ics"
    content = part.get_content()
    calendar = icalendar.Calendar.from_ical(content if isinstance(content, str) else content.decode())
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == "appointment-42@fbss.example.org"
    assert event.decoded("dtstart") == datetime(2026, 3, 29, 7, 30, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert str(event["summary"]) == "Appointment at Clinic A"
    assert str(event["location"]) == "1 Main Street, Springfield"
    assert str(event["organizer"]) == "mailto:frontdesk@clinic-a.example.org"
    assert event["organizer"].params["CN"] == "Clinic A"


def test_an_unreachable_smtp_server_is_retried_later(settings: Any) -> None:
    from .servers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 5
    message = queue_email("appt:43:48h")

    dispatched(message)
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert message.due_at > message.updated_at - timedelta(seconds=1)
    assert "unreachable" in message.last_error
    assert Message.objects.filter(status=Status.SENT).count() == 0


def test_ics_event_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        ics_event(uid="u", start=datetime(2026, 1, 1, 9), end=datetime(2026, 1, 1, 10), summary="x")  # noqa: DTZ001


def _smtp(settings: Any, sink: SmtpSink) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False


def test_a_text_email_built_directly_reads_back_as_written(settings: Any) -> None:
    """The dispatcher writes text-only e-mails itself (not through Django's builder): a non-ASCII
    subject and body, long lines and a leading dot come back intact from a real SMTP server."""
    body = "Hej Åsa,\n.a line that starts with a dot\n" + "ü" * 1200 + "\nkey=plain:1\n"
    with SmtpSink() as sink:
        _smtp(settings, sink)
        message = queue_email("plain:1", subject="Påminnelse: tid hos kliniken ✓", body=body)
        ascii_message = queue_email("plain:2", subject="Your appointment", body="See you.\r\nkey=plain:2\n")
        dispatch.dispatch_due()
        received = {m["Message-ID"]: m for m in sink.messages}

    message.refresh_from_db()
    ascii_message.refresh_from_db()
    assert message.status == ascii_message.status == Status.SENT
    mail = received[message.provider_id]
    assert mail["Subject"] == "Påminnelse: tid hos kliniken ✓"
    assert mail["To"] == "patient@example.org"
    assert mail["From"] == settings.DEFAULT_FROM_EMAIL
    assert mail["Date"]
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content() == body
    plain = received[ascii_message.provider_id]
    assert plain["Content-Transfer-Encoding"] == "7bit"
    assert plain.get_content().replace("\r\n", "\n") == "See you.\nkey=plain:2\n"
