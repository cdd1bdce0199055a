"""Fixtures of the clinics app's tests: clinic admins beside the three people of conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics.models import Clinic
from clinics.roles import Role
from clinics.tests.factories import PASSWORD, member


@pytest.fixture
def admin_a(clinic_a: Clinic) -> Any:
    return member(clinic_a, Role.CLINIC_ADMIN, "admin.a")


@pytest.fixture
def admin_b(clinic_b: Clinic) -> Any:
    """The admin of the other clinic: must never act on clinic A's staff."""
    return member(clinic_b, Role.CLINIC_ADMIN, "admin.b")


def code_for(device: TOTPDevice, *, step_ahead: int = 0) -> str:
    """What the person's authenticator app shows now (or ``step_ahead`` steps later)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift=step_ahead):0{device.digits}d}"


@pytest.fixture
def password_client() -> Callable[[Any], Client]:
    """A client past the password step only (the login fixture's 302 without following it)."""

    def _sign_in(user: Any, password: str = PASSWORD) -> Client:
        client = Client()
        response = client.post("/accounts/login/", {"username": user.username, "password": password})
        assert response.status_code == 302, f"password sign-in failed for {user.username}"
        return client

    return _sign_in


@dataclass
class SmtpInbox:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)


@pytest.fixture
def smtp_inbox(settings: Any) -> Iterator[SmtpInbox]:
    """A real SMTP server (aiosmtpd) on a free local port; Django's SMTP backend sends to it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SmtpInbox(host="127.0.0.1", port=port)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            inbox.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname=inbox.host, port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = inbox.host
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()
