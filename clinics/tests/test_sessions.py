"""Session limits, pages the browser must not keep, the sign-in page's redirects and the body size limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from clinics.models import UserSession
from patients.models import PriorSurgery
from patients.uploads import MAX_FILES_PER_SAVE, MAX_UPLOAD_BYTES


def test_signed_in_pages_are_sent_no_store(physician_a: Any, patient_a: Any, login: Any) -> None:
    client = login(physician_a)
    for path in ("/", "/patients/", f"/patients/{patient_a.public_id}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path


def test_pages_carry_the_idle_countdown_from_the_setting(physician_a: Any, login: Any, settings: Any) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 600
    content = login(physician_a).get("/").content.decode()
    assert 'data-idle-seconds="600"' in content
    assert 'data-idle-warn-seconds="60"' in content
    assert 'data-idle-signout-url="/accounts/login/?reason=idle"' in content
    assert "js/idle.js" in content


def test_the_sign_in_page_says_why_after_the_pages_own_idle_sign_off(db: None) -> None:
    response = Client().get("/accounts/login/?reason=idle")
    assert b"period without activity" in response.content
    assert b"period without activity" not in Client().get("/accounts/login/").content


def test_keepalive_keeps_the_session_from_the_idle_limit(physician_a: Any, login: Any) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = login(physician_a)
        clock.shift(timedelta(seconds=settings.IDLE_TIMEOUT_SECONDS - 30))
        assert client.post("/accounts/keepalive/").status_code == 204
        clock.shift(timedelta(seconds=settings.IDLE_TIMEOUT_SECONDS - 30))
        assert client.get("/").status_code == 200


def test_keepalive_refuses_a_get_and_an_anonymous_visitor(physician_a: Any, login: Any) -> None:
    assert login(physician_a).get("/accounts/keepalive/").status_code == 405
    assert Client().post("/accounts/keepalive/").status_code == 302


def test_the_absolute_lifetime_defaults_to_twelve_hours() -> None:
    assert settings.SESSION_MAX_AGE_SECONDS == 12 * 60 * 60


def test_a_session_ends_at_the_absolute_lifetime_however_active(physician_a: Any, login: Any, settings: Any) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 15 * 60
    settings.SESSION_MAX_AGE_SECONDS = 2 * 60 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = login(physician_a)
        # A request every ten minutes never reaches the idle limit...
        for _ in range(11):
            clock.shift(timedelta(minutes=10))
            assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=10, seconds=1))

        response = client.get("/")

    # ...but two hours after sign-in the session ends anyway, and the sign-in page says why.
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"]).content.decode()
    assert "Sessions end 2 hours after sign-in" in page
    assert "_auth_user_id" not in client.session


def test_login_page_with_next_pointing_to_itself_while_signed_in_goes_home(physician_a: Any, login: Any) -> None:
    client = login(physician_a)
    response = client.get("/accounts/login/?next=/accounts/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_in_with_next_pointing_to_the_sign_in_page_lands_home(physician_a: Any) -> None:
    from clinics.tests.factories import PASSWORD

    client = Client()
    response = client.post(
        "/accounts/login/?next=/accounts/login/", {"username": physician_a.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_page_still_follows_another_next_while_signed_in(physician_a: Any, login: Any) -> None:
    response = login(physician_a).get("/accounts/login/?next=/patients/")
    assert response.status_code == 302
    assert response["Location"] == "/patients/"


def test_the_request_limit_fits_the_largest_upload_the_forms_allow() -> None:
    assert settings.REQUEST_MAX_BYTES > MAX_FILES_PER_SAVE * MAX_UPLOAD_BYTES


def test_an_oversized_upload_is_refused_with_413_before_its_body_is_read(
    physician_a: Any, patient_a: Any, login: Any
) -> None:
    client = login(physician_a)
    body = b'--x\r\nContent-Disposition: form-data; name="notes"\r\n\r\nhello\r\n--x--\r\n'
    # The declared length is past the limit while the body is short: reading it would fail loudly
    # (the test client refuses to read past the bytes it has), so a 413 proves nothing was read.
    response = client.generic(
        "POST",
        f"/patients/{patient_a.public_id}/surgeries/new/",
        body,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(settings.REQUEST_MAX_BYTES + 1),
    )
    assert response.status_code == 413
    assert b"may not exceed 55 MB" in response.content
    assert not PriorSurgery.objects.exists()


def test_a_request_within_the_limit_goes_through(physician_a: Any, login: Any) -> None:
    client = login(physician_a)
    response = client.generic("POST", "/accounts/keepalive/", b"", CONTENT_LENGTH=str(settings.REQUEST_MAX_BYTES))
    assert response.status_code != 413


def test_sign_in_records_the_session_and_sign_out_forgets_it(physician_a: Any, login: Any) -> None:
    client = login(physician_a)
    assert UserSession.objects.filter(user=physician_a, session_key=client.session.session_key).exists()
    client.post("/accounts/logout/")
    assert not UserSession.objects.filter(user=physician_a).exists()
