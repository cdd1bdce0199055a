"""Fixtures shared by every app's tests.

The staff of every access test, defined here once (STYLE.md): at clinic A a physician, a
front-desk colleague, a physical therapist, a psychologist, a nurse and a clinic admin; and an
outsider, a physician of clinic B. Browser fixtures drive the system Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.test import Client

from clinics.models import Clinic
from clinics.roles import Role
from clinics.tests.factories import PASSWORD, ClinicFactory, member
from patients.models import Patient
from patients.tests.factories import PatientFactory

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
