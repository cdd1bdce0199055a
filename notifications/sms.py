"""SMS providers behind one interface, chosen like Django's email backends.

``FBSS_SMS_BACKEND`` is a dotted path to a class with ``send(message) -> provider_id``:

- ``notifications.sms.FileBackend`` (demo and tests): one file per message in
  ``FBSS_SMS_FILE_PATH`` (default ``var/sms/``).
- ``notifications.sms.HttpBackend``: a JSON-over-HTTPS provider. It POSTs
  ``{"from", "to", "body", "reference"}`` to ``FBSS_SMS_HTTP_URL`` with
  ``Authorization: Bearer FBSS_SMS_HTTP_TOKEN`` and reads the provider's id from the ``"id"`` of
  the JSON answer. ``reference`` is the outbox row's id, for providers that de-duplicate.

A provider for another API is a small class in the same shape. A backend raises
:class:`TransientSendError` for what may work later (network, 429, 5xx) and
:class:`PermanentSendError` for what never will (the provider refuses the number).
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string


class SendError(Exception):
    """A message could not be sent. The text is stored on the row: no patient data in it."""


class TransientSendError(SendError):
    """May work later: retried with backoff."""


class PermanentSendError(SendError):
    """Will never work: the message fails at once."""


@dataclass(frozen=True)
class Sms:
    message_id: int
    to: str
    body: str


class SmsBackend(Protocol):
    def send(self, sms: Sms) -> str: ...


def get_sms_backend() -> SmsBackend:
    path = getattr(settings, "FBSS_SMS_BACKEND", "notifications.sms.FileBackend")
    backend_class = import_string(path)
    backend: SmsBackend = backend_class()
    return backend


class FileBackend:
    """Writes each SMS to its own file (``<time>-<id>-<random>.sms``); nothing leaves the machine."""

    def __init__(self) -> None:
        default = Path(settings.VAR_DIR) / "sms"
        self.directory = Path(getattr(settings, "FBSS_SMS_FILE_PATH", None) or default)

    def send(self, sms: Sms) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{sms.message_id}-{secrets.token_hex(4)}.sms"
        content = f"To: {sms.to}\nMessage-Id: {sms.message_id}\n\n{sms.body}\n"
        # Written under a temporary name, then renamed: a reader never sees half a message.
        tmp = self.directory / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(content)
        tmp.rename(self.directory / name)
        return name


class HttpBackend:
    """A generic JSON-over-HTTPS SMS provider, configured from the environment."""

    timeout = 15.0

    def __init__(self) -> None:
        self.url = getattr(settings, "FBSS_SMS_HTTP_URL", "")
        self.token = getattr(settings, "FBSS_SMS_HTTP_TOKEN", "")
        self.sender = getattr(settings, "FBSS_SMS_FROM", "")
        # Plain http only to this machine (a local relay, the tests' fake provider).
        loopback = self.url.startswith(("http://127.0.0.1:", "http://localhost:", "http://[::1]:"))
        if not (self.url.startswith("https://") or loopback):
            raise ImproperlyConfigured("FBSS_SMS_HTTP_URL must be an https:// URL for the HTTP SMS backend.")

    def send(self, sms: Sms) -> str:
        payload = json.dumps(
            {"from": self.sender, "to": sms.to, "body": sms.body, "reference": str(sms.message_id)}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": f"fbss-outbox-{sms.message_id}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            # The provider's body may echo the number or the text: keep only the status.
            if exc.code == 429 or exc.code >= 500:
                raise TransientSendError(f"SMS provider answered HTTP {exc.code}") from None
            raise PermanentSendError(f"SMS provider refused the message: HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TransientSendError(f"SMS provider unreachable: {type(exc).__name__}") from None
        except ValueError:
            raise TransientSendError("SMS provider answered with something that is not JSON") from None
        provider_id = answer.get("id") if isinstance(answer, dict) else None
        return str(provider_id or "")
