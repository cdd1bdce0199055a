"""Local stand-ins for the outside world: a real SMTP server (aiosmtpd) and a fake SMS provider.

Both run in a thread of the test process on 127.0.0.1 and record what they received.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
import socket
import threading
from collections import Counter
from email.message import EmailMessage as ParsedEmail
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

KEY_RE = re.compile(r"key=(\S+)")

# aiosmtpd logs every SMTP command at INFO: thousands of lines in the bulk tests.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[ParsedEmail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server that keeps every message it accepts."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[ParsedEmail]:
        with self.handler.lock:
            return list(self.handler.messages)

    def count_by_key(self) -> Counter[str]:
        """How many times each idempotency key arrived (the tests write ``key=<key>`` in the body)."""
        counts: Counter[str] = Counter()
        for message in self.messages:
            body = message.get_body(preferencelist=("plain",))
            match = KEY_RE.search(body.get_content() if body is not None else "")
            if match:
                counts[match.group(1)] += 1
        return counts


class FakeSmsProvider:
    """An HTTP server speaking the JSON protocol of ``notifications.sms.HttpBackend``.

    ``status`` is what it answers (200 with an id, or e.g. 503 to play a provider outage).
    """

    def __init__(self, *, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                provider.requests.append({"path": self.path, "headers": dict(self.headers), "json": body})
                if provider.status == 200:
                    answer = json.dumps({"id": f"SM{len(provider.requests):06d}", "status": "queued"}).encode()
                else:
                    answer = json.dumps({"error": "unavailable", "echo": body.get("to")}).encode()
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSmsProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
