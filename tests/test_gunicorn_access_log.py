"""gunicorn's access log, as the Dockerfile and docker-compose.yml run it, holds no link tokens
and no query strings."""

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "Zq3vT9-secret-token-value"


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A WSGI app that answers every request: the access log is what is under test."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _deployed_format() -> str:
    dockerfile = (ROOT / "Dockerfile").read_text()
    found = re.search(r'"--access-logformat", "((?:[^"\\]|\\.)*)"', dockerfile)
    assert found, "the Dockerfile sets an access-log format"
    return found.group(1).replace('\\"', '"')


def test_the_deployed_commands_use_the_scrubbing_logger():
    for name in ("Dockerfile", "docker-compose.yml"):
        assert "fbss_clinic.gunicorn_logging.ScrubbedLogger" in (ROOT / name).read_text(), name


def test_the_access_log_names_no_token_and_no_query(tmp_path):
    log = tmp_path / "access.log"
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.test_gunicorn_access_log:app", f"--bind=127.0.0.1:{port}",
         "--workers=1", "--no-control-socket", "--access-logfile", str(log),
         "--access-logformat", _deployed_format() + ' "%(r)s" "%(f)s" %(q)s',
         "--logger-class", "fbss_clinic.gunicorn_logging.ScrubbedLogger"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        for path in (f"/survey/{TOKEN}/", f"/a/{TOKEN}/", "/patients/?q=Garcia"):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Referer": f"http://x/survey/{TOKEN}/"}
            )
            urllib.request.urlopen(request, timeout=10).read()  # noqa: S310 (a fixed http URL)
        deadline = time.monotonic() + 10
        while log.read_text().count("\n") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert text.count("\n") == 3
    assert TOKEN not in text and "Garcia" not in text
    assert "/survey/[token]/" in text and "/a/[token]/" in text and "[query]" in text
