"""The outbox through real Celery worker processes, the test Redis and PostgreSQL, and real SMTP.

Exactly once with two workers; nothing lost when a worker is killed with SIGKILL mid-batch (at
most the one message it had on the wire goes twice), nor when Redis stops and starts again.
Dispatch is triggered by queueing ``dispatch_due`` (what beat does every minute), repeatedly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import ARTIFACTS, wait_for
from notifications.models import Message, Status
from notifications.tasks import dispatch_due

from .factories import queue_email
from .servers import SmtpSink

pytestmark = pytest.mark.celery_worker

# Long enough that a live worker never loses a batch to another (a batch of BATCH rows takes well
# under a second), short enough that a dead worker's rows come back within the test.
LEASE_SECONDS = 12
BATCH = 25
# SMTP sessions per dispatcher run: a worker killed mid-batch can leave at most one delivered,
# unrecorded message per session (notifications/dispatch.py).
CONNECTIONS = 4


class Workers:
    """Celery worker subprocesses (solo pool: one process each, so SIGKILL kills the worker)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        from fbss_clinic.celery import app

        self.app = app

    def log_path(self, name: str) -> Path:
        return ARTIFACTS / f"outbox-worker-{name}.log"

    def start(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        with self.log_path(name).open("wb") as log:
            self.procs[name] = subprocess.Popen(  # noqa: S603 - our own command line
                [sys.executable, "-m", "celery", "-A", "fbss_clinic", "worker", "--pool=solo", "-n", f"{name}@fbss-test",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
                env=self.env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        node = f"{name}@fbss-test"

        def answers() -> bool:
            assert self.procs[name].poll() is None, f"worker {name} exited at start; see {self.log_path(name)}"
            return bool(self.app.control.inspect(destination=[node], timeout=1).ping())

        assert wait_for(answers, timeout=90, interval=0.5), f"worker {name} did not answer a ping within 90 s"

    def kill(self, name: str) -> None:
        self.procs[name].kill()  # SIGKILL: no clean-up of any kind
        self.procs[name].wait(timeout=30)

    def handled_by(self, name: str) -> int:
        """Messages this worker's dispatch runs reported (Celery logs each task's return value)."""
        text = self.log_path(name).read_text(errors="replace")
        return sum(int(n) for n in re.findall(r"notifications\.dispatch_due\[[^\]]+\] succeeded in [^:]+: (\d+)", text))

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def workers(transactional_db: None, smtp_sink: SmtpSink) -> Iterator[Workers]:
    assert os.environ.get("REDIS_URL"), "REDIS_URL must point to the test Redis (run the suite with `make test`)"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fbss_clinic.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "FBSS_CELERY_EAGER": "0",
        "FBSS_TEST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "EMAIL_USE_TLS": "false",
        "FBSS_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "FBSS_OUTBOX_BATCH_SIZE": str(BATCH),
        "FBSS_OUTBOX_SMTP_CONNECTIONS": str(CONNECTIONS),
    }
    pool = Workers(env)
    previous = pool.app.conf.task_always_eager
    pool.app.conf.task_always_eager = False
    try:
        yield pool
    finally:
        pool.app.conf.task_always_eager = previous
        pool.stop_all()


def _queue(n: int, prefix: str) -> list[str]:
    keys = [f"{prefix}:{i:05d}" for i in range(n)]
    for key in keys:
        queue_email(key)
    return keys


def _all_sent(n: int) -> bool:
    return Message.objects.filter(status=Status.SENT).count() == n


def _trigger() -> None:
    """Queue one dispatcher run, as beat does; a broker outage only means "try again later"."""
    try:
        dispatch_due.delay()
    except Exception as exc:
        print(f"dispatch_due.delay() failed ({type(exc).__name__}); will try again")


def _pump_until_sent(n: int, *, timeout: float) -> bool:
    """Trigger the dispatcher every two seconds until all ``n`` rows are sent (beat, but faster)."""

    def step() -> bool:
        if _all_sent(n):
            return True
        _trigger()
        return False

    return bool(wait_for(step, timeout=timeout, interval=2.0))


def test_two_workers_send_2000_due_messages_exactly_once(workers: Workers, smtp_sink: SmtpSink) -> None:
    n = 2000
    keys = _queue(n, "once")
    workers.start("w1")
    workers.start("w2")

    started = time.monotonic()
    for _ in range(4):
        _trigger()
    assert wait_for(lambda: _all_sent(n), timeout=240, interval=0.5), "not every message was sent within 240 s"
    elapsed = time.monotonic() - started

    counts = smtp_sink.count_by_key()
    assert set(counts) == set(keys), "some messages never reached the SMTP server"
    duplicates = {key: c for key, c in counts.items() if c != 1}
    assert duplicates == {}
    assert len(smtp_sink.messages) == n
    # Both workers took part (each dispatch run logs how many rows it handled).
    def tally() -> dict[str, int] | None:
        counted = {name: workers.handled_by(name) for name in ("w1", "w2")}
        return counted if sum(counted.values()) == n else None

    by_worker = wait_for(tally, timeout=30)
    assert by_worker, "the workers' logs do not account for every message"
    assert all(by_worker.values()), f"one worker sent nothing: {by_worker}"
    figure = f"outbox throughput: {n} messages in {elapsed:.1f} s = {n / elapsed:.0f}/s with 2 workers {by_worker}"
    print(figure)
    (ARTIFACTS / "outbox-throughput.txt").write_text(figure + "\n")


def test_a_worker_killed_mid_batch_loses_nothing(workers: Workers, smtp_sink: SmtpSink) -> None:
    n = 1000
    keys = _queue(n, "kill")
    workers.start("victim")
    _trigger()
    # Kill it while it holds a claimed batch, part of the way through.
    assert wait_for(
        lambda: len(smtp_sink.messages) >= 100 and Message.objects.filter(status=Status.SENDING).exists(),
        timeout=120,
        interval=0.05,
    ), "the worker never got going"
    workers.kill("victim")
    left = Message.objects.exclude(status=Status.SENT).count()
    assert left > 0, "the worker finished before it was killed"

    workers.start("rescuer")
    # The dead worker's claimed rows come back once their lease (LEASE_SECONDS) has run out.
    assert _pump_until_sent(n, timeout=180), "some messages were never sent after the kill"

    counts = smtp_sink.count_by_key()
    assert set(counts) == set(keys), "a message was lost"
    extra = sum(c - 1 for c in counts.values())
    assert extra <= CONNECTIONS, (
        f"{extra} duplicates; at most one per SMTP session (the message each had delivered or on the wire) is allowed"
    )
    print(f"killed with {left} of {n} not yet sent; duplicates: {extra}")


def _redis(*args: str) -> subprocess.CompletedProcess[str]:
    port = os.environ.get("FBSS_TEST_REDIS_PORT", "")
    return subprocess.run(  # noqa: S603
        ["redis-cli", "-h", "127.0.0.1", "-p", port, *args],  # noqa: S607
        capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip


def _start_redis() -> None:
    """The command line scripts/services.sh starts the test Redis with."""
    port = os.environ["FBSS_TEST_REDIS_PORT"]
    svc = Path(os.environ["FBSS_TEST_SERVICES_DIR"])
    subprocess.run(  # noqa: S603
        ["redis-server", "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no",  # noqa: S607
         "--daemonize", "yes", "--pidfile", str(svc / "redis.pid"), "--logfile", str(svc / "redis.log"),
         "--dir", str(svc / "redis")],
        check=True, timeout=30, capture_output=True,
    )  # fmt: skip


def test_redis_stopped_and_restarted_during_dispatch_loses_nothing(workers: Workers, smtp_sink: SmtpSink) -> None:
    assert os.environ.get("FBSS_TEST_REDIS_PORT") and os.environ.get("FBSS_TEST_SERVICES_DIR"), (
        "scripts/test.sh exports where its Redis runs; run the suite with `make test`"
    )
    n_first, n_during = 1000, 300
    keys = _queue(n_first, "redis")
    workers.start("w1")
    workers.start("w2")
    _trigger()
    _trigger()
    assert wait_for(lambda: len(smtp_sink.messages) >= 100, timeout=120, interval=0.05)

    _redis("shutdown", "nosave")
    assert wait_for(lambda: _redis("ping").stdout.strip() != "PONG", timeout=30), "Redis did not stop"
    try:
        # The product keeps working without its broker: messages (one urgent) are still queued,
        # the urgent one's immediate hand-off fails quietly and the dispatcher will send it.
        keys += [queue_email(f"redis-during:{i:05d}", urgent=(i == 0)).idempotency_key for i in range(n_during)]
        time.sleep(2)  # let the workers notice the broker is gone
    finally:
        _start_redis()
    assert wait_for(lambda: _redis("ping").stdout.strip() == "PONG", timeout=30), "Redis did not come back"

    n = n_first + n_during
    assert _pump_until_sent(n, timeout=180), "some messages were never sent after Redis came back"
    counts = smtp_sink.count_by_key()
    assert set(counts) == set(keys), "a message was lost"
    # No worker died, so no lease ran out: nothing went twice.
    assert {key: c for key, c in counts.items() if c != 1} == {}
