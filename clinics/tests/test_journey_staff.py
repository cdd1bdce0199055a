"""Journeys in Chromium: a clinic admin adds a therapist who enrols TOTP; pages sign off when idle."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics.tests.conftest import code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_adds_a_therapist_who_enrols_totp_and_signs_in_with_a_code(
    browser_login: Any, live_server: Any, admin_a: Any, patient_a: Any, browser: Any, artifacts_dir: Path
) -> None:
    base = live_server.url
    admin = browser_login(admin_a.username)

    # The clinic asks therapists for a second factor too.
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    admin.get_by_role("main").get_by_role("link", name="Two-factor sign-in").click()
    admin.get_by_label("Physical therapist").check()
    admin.get_by_role("button", name="Save").click()
    admin.get_by_text("Saved.").wait_for()

    admin.goto(f"{base}/clinic/staff/")
    admin.get_by_role("link", name="Add a new account").click()
    admin.get_by_label("Username").fill("theo.t")
    admin.get_by_label("First name").fill("Theo")
    admin.get_by_label("Last name").fill("Tam")
    admin.get_by_label("Email").fill("theo@example.org")
    admin.get_by_label("Role").select_option(label="Physical therapist")
    admin.get_by_role("button", name="Add").click()
    admin.get_by_text("a link to set a password went to their email").wait_for()
    admin.screenshot(path=str(artifacts_dir / "staff-therapist-added.png"), full_page=True)

    # The therapist sets a password from the emailed link, in a browser of their own.
    link = re.search(r"https?://\S+/accounts/reset/\S+/", str(mail.outbox[-1].body))
    assert link
    therapist = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    therapist.goto(link.group(0))
    therapist.locator("#id_new_password1").fill("therapy-long-password-5")
    therapist.locator("#id_new_password2").fill("therapy-long-password-5")
    therapist.get_by_role("button", name="Set password").click()
    therapist.get_by_test_id("reset-complete").wait_for()

    # Password first; then nothing but enrolment until an authenticator is confirmed.
    _sign_in(therapist, base, "theo.t", "therapy-long-password-5")
    therapist.wait_for_url("**/accounts/two-factor/setup/**")
    assert therapist.locator("[data-testid=totp-qr] svg").count() == 1
    therapist.screenshot(path=str(artifacts_dir / "two-factor-enrol.png"), full_page=True)
    therapist.goto(f"{base}/patients/")
    therapist.wait_for_url("**/accounts/two-factor/setup/**")
    device = TOTPDevice.objects.get(user__username="theo.t", confirmed=False)
    therapist.get_by_label("Code").fill(code_for(device))
    therapist.get_by_role("button", name="Turn on").click()
    therapist.get_by_test_id("backup-codes").wait_for()
    assert therapist.get_by_test_id("backup-codes").locator("li").count() == 10
    therapist.screenshot(path=str(artifacts_dir / "two-factor-backup-codes.png"), full_page=True)
    therapist.get_by_role("link", name="Continue").click()
    therapist.wait_for_url(f"{base}/patients/")

    # Signing in again takes the password and then a code.
    therapist.get_by_role("button", name="Toggle navigation").click()
    therapist.get_by_role("button", name="Log out").click()
    therapist.wait_for_url("**/accounts/login/**")
    _sign_in(therapist, base, "theo.t", "therapy-long-password-5")
    therapist.wait_for_url("**/accounts/two-factor/?next=*")
    device.refresh_from_db()
    therapist.get_by_label("Code").fill(code_for(device, step_ahead=1))
    therapist.screenshot(path=str(artifacts_dir / "two-factor-code.png"), full_page=True)
    therapist.get_by_role("button", name="Verify").click()
    therapist.wait_for_url(f"{base}/")
    assert "Theo Tam" in therapist.get_by_test_id("current-user").inner_text()

    # The admin finds the therapist's addition in the audit trail.
    admin.goto(f"{base}/clinic/audit/")
    table = admin.get_by_test_id("audit-table").inner_text()
    assert re.search(r"admin\.a\s+created · Added a new account\s+Membership\s+theo\.t", table), table
    admin.screenshot(path=str(artifacts_dir / "audit-therapist-added.png"), full_page=True)

    # The therapist opens a patient's chart; the admin finds that view in the access log.
    therapist.goto(f"{base}/patients/{patient_a.public_id}/")
    therapist.get_by_role("heading", name=re.compile(re.escape(patient_a.family_name))).first.wait_for()
    admin.goto(f"{base}/clinic/access-log/")
    admin.get_by_label("User").select_option(label="Theo Tam (theo.t)")
    admin.get_by_role("button", name="Filter").click()
    admin.wait_for_url(f"{base}/clinic/access-log/")
    rows = admin.get_by_test_id("access-log-row")
    assert rows.count() == 1
    line = rows.first.inner_text()
    assert "Theo Tam" in line and "Viewed" in line, line
    assert f"{patient_a.family_name}, {patient_a.given_name}" in line and f"MRN {patient_a.mrn}" in line, line
    admin.screenshot(path=str(artifacts_dir / "access-log-therapist-chart-view.png"), full_page=True)


def test_an_idle_page_warns_then_clears_itself_and_says_why(
    browser_login: Any, live_server: Any, physician_a: Any, patient_a: Any, settings: Any, artifacts_dir: Path
) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 4
    page = browser_login(physician_a.username)
    page.goto(f"{live_server.url}/patients/{patient_a.public_id}/")
    page.get_by_test_id("idle-warning").wait_for(state="visible", timeout=5000)
    page.screenshot(path=str(artifacts_dir / "idle-warning.png"), full_page=True)

    page.wait_for_url("**/accounts/login/?reason=idle", timeout=10000)
    assert "period without activity" in page.get_by_test_id("signed-out-reason").inner_text()
    assert patient_a.family_name not in page.content()

    # Back does not bring the chart back: the server ended the session too.
    page.go_back()
    page.wait_for_url("**/accounts/login/**")
    assert patient_a.family_name not in page.content()
