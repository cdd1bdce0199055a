"""Sign-in, lockout, idle sign-off and session lifetime."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from clinics.tests.factories import PASSWORD


def _sign_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_renders_in_the_app_style_with_csrf(db) -> None:
    response = Client(enforce_csrf_checks=True).get("/accounts/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert b"bootstrap.min.css" in response.content


def test_login_without_csrf_token_is_refused(physician_a) -> None:
    response = _sign_in(Client(enforce_csrf_checks=True), physician_a.username, PASSWORD)
    assert response.status_code == 403


def test_it_signs_in_with_the_right_password(physician_a) -> None:
    client = Client()
    response = _sign_in(client, physician_a.username, PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_refuses_a_wrong_password_with_a_message(physician_a) -> None:
    response = _sign_in(Client(), physician_a.username, "not-the-password")
    assert response.status_code == 200
    assert b"correct username and password" in response.content


def test_it_locks_the_account_after_repeated_failures(physician_a) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, physician_a.username, "wrong-password")

    response = _sign_in(client, physician_a.username, PASSWORD)

    assert response.status_code == 429
    assert b"Account locked" in response.content
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock(physician_a) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, physician_a.username, "wrong-password")
    assert _sign_in(client, physician_a.username, PASSWORD).status_code == 302


def test_it_signs_out_after_the_idle_limit(physician_a, login) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = login(physician_a)
        assert client.get("/").status_code == 200
        clock.shift(timedelta(seconds=settings.IDLE_TIMEOUT_SECONDS + 1))

        response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert b"period without activity" in client.get(response["Location"]).content


def test_activity_within_the_idle_limit_keeps_the_session(physician_a, login) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = login(physician_a)
        for _ in range(3):
            clock.shift(timedelta(seconds=settings.IDLE_TIMEOUT_SECONDS - 60))
            assert client.get("/").status_code == 200


def _stored_session(client: Client) -> str:
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).session_data


def test_pages_opened_within_seconds_do_not_rewrite_the_session(physician_a, login) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = login(physician_a)
        assert client.get("/").status_code == 200
        stored = _stored_session(client)
        clock.shift(timedelta(seconds=5))
        assert client.get("/").status_code == 200
        assert _stored_session(client) == stored
        clock.shift(timedelta(seconds=15))
        assert client.get("/").status_code == 200
        assert _stored_session(client) != stored


def test_idle_limit_is_fifteen_minutes_by_default() -> None:
    assert settings.IDLE_TIMEOUT_SECONDS == 15 * 60


def test_the_session_cookie_ends_with_the_browser(physician_a) -> None:
    client = Client()
    response = _sign_in(client, physician_a.username, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"]


def test_logout_is_a_post_and_ends_the_session(physician_a, login) -> None:
    client = login(physician_a)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/", "/patients/", "/clinic/audit/"])
def test_pages_need_a_signed_in_user(db, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
