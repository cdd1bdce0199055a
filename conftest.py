"""Fixtures shared by every app's tests.

The staff of every access test, defined here once (STYLE.md): at clinic A a physician, a
front-desk colleague, a physical therapist, a psychologist, a nurse and a clinic admin; and an
outsider, a physician of clinic B. Browser fixtures drive the system Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from django.contrib.auth.models import User
from django.test import Client

from clinics.models import Clinic
from clinics.roles import Role
from clinics.tests.factories import PASSWORD, ClinicFactory, member
from patients.models import Patient
from patients.tests.factories import PatientFactory

T = TypeVar("T")

ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


@pytest.fixture
def clinic_a(db: None) -> Clinic:
    return ClinicFactory.create(name="Clinic A", time_zone="America/Chicago")


@pytest.fixture
def clinic_b(db: None) -> Clinic:
    return ClinicFactory.create(name="Clinic B", time_zone="Europe/Stockholm")


def _staff_of_clinic_a(role: Role, username: str) -> Any:
    """A fixture: the member of clinic A with ``role``, signed up as ``username`` (a ``User``)."""

    @pytest.fixture
    def person(clinic_a: Clinic) -> User:
        return member(clinic_a, role, username)

    return person


physician_a = _staff_of_clinic_a(Role.PHYSICIAN, "physician.a")
frontdesk_a = _staff_of_clinic_a(Role.FRONT_DESK, "frontdesk.a")
therapist_a = _staff_of_clinic_a(Role.THERAPIST, "therapist.a")
psychologist_a = _staff_of_clinic_a(Role.PSYCHOLOGIST, "psychologist.a")
nurse_a = _staff_of_clinic_a(Role.NURSE, "nurse.a")
clinic_admin_a = _staff_of_clinic_a(Role.CLINIC_ADMIN, "admin.a")


@pytest.fixture
def outsider(clinic_b: Clinic) -> User:
    """A physician of clinic B: must never see anything of clinic A."""
    return member(clinic_b, Role.PHYSICIAN, "physician.b")


@pytest.fixture
def patient_a(clinic_a: Clinic, physician_a: User) -> Patient:
    return PatientFactory.create(clinic=clinic_a, primary_physician=physician_a)


@pytest.fixture
def login() -> Callable[[User], Client]:
    """A test client signed in as ``user`` through the real login form (axes needs a request)."""

    def _login(user: User) -> Client:
        client = Client()
        response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, f"login failed for {user.username}"
        return client

    return _login


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --- Playwright with the system Chromium -------------------------------------------------------

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture(autouse=True, scope="session")
def _fresh_private_media() -> Iterator[None]:
    """Each run starts with an empty private file store (uploaded reports land there)."""
    import shutil

    from django.conf import settings

    storage = cast(dict[str, Any], settings.STORAGES["default"])
    location = Path(storage["OPTIONS"]["location"])
    shutil.rmtree(location, ignore_errors=True)
    location.mkdir(parents=True)
    yield


@pytest.fixture(autouse=True, scope="session")
def _allow_orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield


@pytest.fixture
def browser_login(live_server: Any, page: Any) -> Callable[[str], Any]:
    """Sign in through the real login page in Chromium and return the page."""

    def _login(username: str, password: str = PASSWORD) -> Any:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login


# --- A real Celery worker against the test Redis and PostgreSQL ---------------------------------


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[Any]:
    """Start ``celery worker`` in a subprocess on the test database; enqueue for real meanwhile.

    Needs REDIS_URL (scripts/test.sh starts a Redis). The worker writes to the same test database
    the test reads, so tests using it must commit: hence ``transactional_db``.
    """
    import subprocess
    import sys
    import time

    from django.conf import settings
    from django.db import connection

    from fbss_clinic.celery import app

    redis_url = os.environ.get("REDIS_URL")
    assert redis_url, "REDIS_URL must point to the test Redis (run the suite with `make test`)"
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fbss_clinic.settings.test",
        "DATABASE_URL": database_url,
        "FBSS_CELERY_EAGER": "0",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / "celery-worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "fbss_clinic", "worker", "--pool=solo", "--concurrency=1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
        env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.inspect(timeout=1).ping():
                break
            assert worker.poll() is None, "the Celery worker exited at start; see test-artifacts/celery-worker.log"
        else:
            raise AssertionError("the Celery worker did not answer a ping within 60 s")
        yield app
    finally:
        app.conf.task_always_eager = previous
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def wait_for(predicate: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll ``predicate`` until it returns something truthy (for work done by another process)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


@pytest.fixture
def horizontal_overflow() -> Callable[[Any], int]:
    """How many CSS pixels a page is wider than its window (0 when nothing scrolls sideways)."""

    def _overflow(page: Any) -> int:
        return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))

    return _overflow


def queries_of(client: Client, address: str) -> int:
    """How many database queries one GET of ``address`` makes (it must answer 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(address).status_code == 200
    return len(ctx.captured_queries)


def all_at_once(n: int, attempt: Callable[[int], T]) -> list[T | Exception]:
    """``attempt(0)`` ... ``attempt(n - 1)`` in ``n`` threads released together (each with its own
    database connection); what each returned, or the exception it raised, in that order."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(n)
    results: dict[int, T | Exception] = {}

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = attempt(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [results[i] for i in range(n)]


def _waiting_on_a_lock() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def race(first: Callable[[], object], second: Callable[[], object]) -> tuple[dict[str, object], bool]:
    """Two real, overlapping PostgreSQL transactions (tests marked ``django_db(transaction=True)``).

    ``first`` runs in a transaction that stays open until ``second``, started once ``first`` has
    written, waits on a lock in its own transaction; then the first commits. Returns what each
    returned, or the exception it raised, under "first" and "second", and whether the second was
    seen waiting (if not, the race was not exercised and the test must say so).
    """
    import threading
    import time

    from django.db import connections, transaction

    outcomes: dict[str, object] = {}
    first_in, release_first = threading.Event(), threading.Event()

    def run_first() -> None:
        try:
            with transaction.atomic():
                outcomes["first"] = first()
                first_in.set()
                assert release_first.wait(20)  # hold the transaction open until the second waits
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            outcomes["first"] = exc
        finally:
            first_in.set()
            connections.close_all()

    def run_second() -> None:
        try:
            assert first_in.wait(20)
            with transaction.atomic():
                outcomes["second"] = second()
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            outcomes["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while _waiting_on_a_lock() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    blocked = _waiting_on_a_lock() > 0
    release_first.set()
    for t in threads:
        t.join(30)
    return outcomes, blocked
