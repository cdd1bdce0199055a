"""A physician's journey in Chromium: register a patient, record the failed back, see it on the chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from patients.demo import tiny_pdf
from patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_physician_records_two_surgeries_and_an_mri_with_its_report(
    browser_login: Any, live_server: Any, physician_a: Any, artifacts_dir: Path
) -> None:
    page = browser_login(physician_a.username)

    page.goto(f"{live_server.url}/patients/new/")
    page.get_by_label("Given name").fill("Greta")
    page.get_by_label("Family name").fill("Lindqvist")
    page.get_by_label("MRN").fill("J-0001")
    page.get_by_label("Date of birth").fill("1968-04-12")
    page.get_by_label("Smoking").select_option("current")
    page.get_by_label("Using opioids at intake").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/patients/*/")
    page.get_by_text("Patient registered.").wait_for()

    page.get_by_role("link", name="Add surgery").click()
    page.get_by_label("Year").fill("2009")
    page.get_by_label("Procedure").select_option("microdiscectomy")
    page.locator("input[name=levels][value=L5]").check()
    page.locator("input[name=hardware][value=none]").check()
    page.locator("input[name=failure_causes][value=reherniation]").check()
    page.get_by_role("button", name="Save surgery").click()
    page.get_by_text("Surgery added.").wait_for()

    page.get_by_role("link", name="Add surgery").click()
    page.get_by_label("Year").fill("2013")
    page.get_by_label("Month").select_option("10")
    page.get_by_label("Procedure").select_option("fusion")
    page.get_by_label("Fusion approach").select_option("tlif")
    for level in ("L4", "L5"):
        page.locator(f"input[name=levels][value={level}]").check()
    for hardware in ("pedicle_screws_rods", "cage"):
        page.locator(f"input[name=hardware][value={hardware}]").check()
    page.locator("input[name=complications][value=pseudarthrosis]").check()
    page.get_by_role("button", name="Save surgery").click()
    page.get_by_text("Surgery added.").wait_for()

    page.get_by_label("Kind of evaluation").select_option("mri")
    page.get_by_role("button", name="Add evaluation").click()
    page.locator("input[name=performed_on]").fill("2024-02-12")
    page.locator("select[name=spinal_findings-0-finding]").select_option("epidural_fibrosis")
    page.locator("select[name=spinal_findings-0-level]").select_option("L5-S1")
    page.locator("select[name=spinal_findings-1-finding]").select_option("recurrent_herniation")
    page.locator("select[name=spinal_findings-1-level]").select_option("L4-L5")
    page.locator("select[name=spinal_findings-1-side]").select_option("left")
    page.get_by_label("With contrast").check()
    page.get_by_label("Impression").fill("Enhancing scar around the L5 root; degeneration above the fusion.")
    page.locator("input[name=pain_generators][value=epidural_fibrosis]").check()
    pdf = tiny_pdf("MRI lumbar spine with contrast: epidural fibrosis at L5.")
    page.set_input_files(
        "input[name=attachments]", files=[{"name": "mri-report.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.get_by_role("button", name="Save evaluation").click()
    page.get_by_text("Evaluation added.").wait_for()

    timeline = page.get_by_test_id("timeline")
    items = timeline.locator(".timeline-item")
    assert items.count() == 3
    assert items.nth(0).inner_text().startswith("2024-02-12")
    assert "Epidural fibrosis L5-S1" in items.nth(0).inner_text()
    assert "Recurrent herniation L4-L5, left" in items.nth(0).inner_text()
    assert items.nth(1).inner_text().startswith("2013-10")
    assert "Fusion" in items.nth(1).inner_text()
    assert items.nth(2).inner_text().startswith("2009")
    flags = page.get_by_test_id("chart-flags").inner_text()
    assert "2 prior spine surgeries" in flags and "Smoker" in flags
    assert page.get_by_test_id("attachment").inner_text() == "mri-report.pdf"

    page.screenshot(path=str(artifacts_dir / "patient-journey.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_test_id("attachment").click()
    download = download_info.value
    assert download.suggested_filename == "mri-report.pdf"
    assert Path(download.path()).read_bytes() == pdf

    patient = Patient.objects.get(mrn="J-0001")
    assert patient.prior_surgeries.count() == 2
    assert patient.evaluations.get().attachments.count() == 1
