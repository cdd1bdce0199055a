"""Two-factor sign-in: enrolment, the second step, backup codes, the clinic's roles, lockout, the demo."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics.models import Clinic, Membership
from clinics.roles import Role
from clinics.tests.conftest import code_for
from clinics.twofactor import confirm_totp, pending_totp


def _require(clinic: Any, *roles: str) -> None:
    clinic.two_factor_roles = list(roles)
    clinic.save()


def _enrolled(user: Any) -> tuple[TOTPDevice, list[str]]:
    device = pending_totp(user=user)
    codes = confirm_totp(user=user, device=device, token=code_for(device))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def test_a_new_clinic_requires_it_of_admins_and_physicians(db: None) -> None:
    clinic = Clinic.objects.create(name="Fresh clinic", time_zone="UTC")
    assert sorted(clinic.two_factor_roles) == sorted([Role.CLINIC_ADMIN, Role.PHYSICIAN])


def test_a_required_user_without_a_device_reaches_only_enrolment(
    physician_a: Any, patient_a: Any, clinic_a: Any, password_client: Any
) -> None:
    _require(clinic_a, Role.PHYSICIAN)
    client = password_client(physician_a)
    for path in ("/", "/patients/", f"/patients/{patient_a.public_id}/", "/accounts/two-factor/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/two-factor/setup/?next="), path
    # Only the path travels: a search in the query string stays behind.
    assert client.get("/patients/?q=Smith")["Location"] == "/accounts/two-factor/setup/?next=%2Fpatients%2F"
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    assert b"requires a second factor" in page.content


def test_the_qr_code_is_drawn_on_the_server_as_inline_svg(physician_a: Any, login: Any) -> None:
    content = login(physician_a).get("/accounts/two-factor/setup/").content.decode()
    qr = content[content.index('data-testid="totp-qr"') :]
    assert qr.split(">", 1)[1].lstrip().startswith("<svg")
    assert "<img" not in qr[:2000] and "http" not in qr.split("</svg>")[0].replace("http://www.w3.org", "")


def test_enrolment_with_a_first_code_turns_it_on_and_shows_ten_backup_codes_once(
    physician_a: Any, clinic_a: Any, password_client: Any
) -> None:
    _require(clinic_a, Role.PHYSICIAN)
    client = password_client(physician_a)
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=physician_a, confirmed=False)

    response = client.post("/accounts/two-factor/setup/?next=/patients/", {"code": code_for(device)})

    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=physician_a).values_list("token", flat=True)) == sorted(codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/patients/").status_code == 200
    # Shown once: the setup page now only says it is on.
    again = client.get("/accounts/two-factor/setup/").content.decode()
    assert "is on for your account" in again and codes[0] not in again


def test_a_wrong_first_code_keeps_the_device_unconfirmed_with_a_message(physician_a: Any, login: Any) -> None:
    client = login(physician_a)
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=physician_a)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/two-factor/setup/", {"code": wrong})
    assert response.status_code == 200 and b"That code is not right" in response.content
    device.refresh_from_db()
    assert not device.confirmed


def test_a_user_with_a_device_must_enter_a_code_after_the_password(physician_a: Any, password_client: Any) -> None:
    device, _ = _enrolled(physician_a)
    client = password_client(physician_a)
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/?next=%2Fpatients%2F"

    response = client.post("/accounts/two-factor/?next=/patients/", {"code": code_for(device, step_ahead=1)})

    assert response.status_code == 302 and response["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200


def test_a_device_is_asked_for_even_where_the_clinic_does_not_require_it(
    frontdesk_a: Any, password_client: Any
) -> None:
    _enrolled(frontdesk_a)
    assert password_client(frontdesk_a).get("/")["Location"].startswith("/accounts/two-factor/")


def test_a_role_the_clinic_does_not_require_signs_in_with_a_password(
    frontdesk_a: Any, clinic_a: Any, password_client: Any
) -> None:
    _require(clinic_a, Role.PHYSICIAN, Role.CLINIC_ADMIN)
    assert password_client(frontdesk_a).get("/").status_code == 200


def test_the_second_step_refuses_an_open_redirect(physician_a: Any, password_client: Any) -> None:
    device, _ = _enrolled(physician_a)
    client = password_client(physician_a)
    response = client.post("/accounts/two-factor/?next=https://evil.example/", {"code": code_for(device, step_ahead=1)})
    assert response["Location"] == "/"


def test_a_backup_code_works_once(physician_a: Any, password_client: Any) -> None:
    _, codes = _enrolled(physician_a)
    client = password_client(physician_a)
    assert client.post("/accounts/two-factor/", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        again = password_client(physician_a)
        response = again.post("/accounts/two-factor/", {"code": codes[0]})
    assert response.status_code == 200 and b"not right" in response.content
    assert StaticToken.objects.filter(device__user=physician_a).count() == 9


def test_wrong_codes_lock_the_account_at_the_failure_limit(
    physician_a: Any, admin_a: Any, clinic_a: Any, password_client: Any, login: Any
) -> None:
    device, _ = _enrolled(physician_a)
    client = password_client(physician_a)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/two-factor/", {"code": "000000"})
        assert response.status_code == 200
    response = client.post("/accounts/two-factor/", {"code": "000000"})
    assert response.status_code == 429 and b"Account locked" in response.content
    assert "_auth_user_id" not in client.session

    # Signing in again with the password does not open another round of guesses, even with the right code.
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        again = password_client(physician_a)
        response = again.post("/accounts/two-factor/", {"code": code_for(device, step_ahead=1)})
        assert response.status_code == 429
        assert again.get("/").status_code == 302

    membership = Membership.objects.get(user=physician_a, clinic=clinic_a)
    assert login(admin_a).post(f"/clinic/staff/{membership.public_id}/unlock/").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        unlocked = password_client(physician_a)
        response = unlocked.post("/accounts/two-factor/", {"code": code_for(device, step_ahead=1)})
    assert response.status_code == 302


def test_the_lock_lifts_after_the_cool_off(physician_a: Any, password_client: Any) -> None:
    device, _ = _enrolled(physician_a)
    client = password_client(physician_a)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/two-factor/", {"code": "000000"})
    with time_machine.travel(timezone.now() + timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)):
        later = password_client(physician_a)
        # One more typo after the cool-off is a first failure again, not another lock.
        assert later.post("/accounts/two-factor/", {"code": "000000"}).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=2)):
        response = later.post("/accounts/two-factor/", {"code": code_for(device, step_ahead=1)})
    assert response.status_code == 302


def test_resetting_a_members_two_factor_removes_devices_and_ends_sessions(
    physician_a: Any, admin_a: Any, clinic_a: Any, password_client: Any, login: Any
) -> None:
    device, _ = _enrolled(physician_a)
    doctor = password_client(physician_a)
    doctor.post("/accounts/two-factor/", {"code": code_for(device, step_ahead=1)})
    membership = Membership.objects.get(user=physician_a, clinic=clinic_a)

    assert login(admin_a).post(f"/clinic/staff/{membership.public_id}/two-factor-reset/").status_code == 302

    assert not TOTPDevice.objects.filter(user=physician_a).exists()
    assert doctor.get("/").status_code == 302
    assert membership.history.first().history_change_reason == "Reset two-factor sign-in"


def test_the_demo_accounts_are_exempt_so_the_demo_stays_one_password(db: None) -> None:
    call_command("seed_demo", verbosity=0)
    north = Clinic.objects.get(name__startswith="North")
    assert Role.PHYSICIAN in north.two_factor_roles and Role.CLINIC_ADMIN in north.two_factor_roles
    from clinics.demo import DEMO_PASSWORD

    for username in ("physician.north", "admin.north"):
        client = Client()
        assert client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
        assert client.get("/").status_code == 200, username


def test_ordinary_requests_cost_no_query_for_two_factor(physician_a: Any, login: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(physician_a)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert captured.captured_queries
    assert not any("otp_" in q["sql"] or "staffprofile" in q["sql"] for q in captured.captured_queries)


def test_a_password_login_still_needs_the_right_password_before_any_code(physician_a: Any) -> None:
    _enrolled(physician_a)
    client = Client()
    assert client.post("/accounts/login/", {"username": physician_a.username, "password": "wrong"}).status_code == 200
    assert client.get("/accounts/two-factor/").status_code == 302
    assert client.get("/accounts/two-factor/")["Location"].startswith("/accounts/login/")
