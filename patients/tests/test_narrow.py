"""The patient list and the chart on a phone: 390 x 844 CSS pixels, no sideways scrolling."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from patients import services
from patients.models import SpinalFinding
from patients.tests.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_list_and_the_chart_fit_a_390px_screen(
    browser_login: Any, live_server: Any, physician_a: Any, clinic_a: Any, horizontal_overflow: Any
) -> None:
    patient = PatientFactory.create(
        clinic=clinic_a, primary_physician=physician_a, given_name="Maximiliane", family_name="Oberhauser-Lindqvist",
        mrn="N-000123", date_of_birth=datetime.date(1961, 3, 14), mobile_phone="+46701234567",
    )  # fmt: skip
    for _n in range(3):
        PatientFactory.create(clinic=clinic_a, primary_physician=physician_a)
    services.surgery_record(
        patient=patient, by=physician_a, date_year=2014, procedure="fusion", fusion_approach="tlif",
        levels=["L3", "L4", "L5", "S1"], hardware=["pedicle_screws_rods", "cage"], surgeon="Dr Example",
        complications=["pseudarthrosis"], failure_causes=["pseudarthrosis", "adjacent_segment"],
    )  # fmt: skip
    services.evaluation_record(
        patient=patient, by=physician_a, kind="mri", performed_on=datetime.date(2024, 2, 12),
        findings={"with_contrast": True}, impression="Scar around the left L5 root.",
        rows=[SpinalFinding(finding="recurrent_herniation", level="L4-L5", side="left"),
              SpinalFinding(finding="foraminal_stenosis", level="L5-S1", side="bilateral")],
    )  # fmt: skip
    services.diagnosis_add(patient=patient, by=physician_a, code="M96.1", is_primary=True)
    services.diagnosis_add(patient=patient, by=physician_a, code="M51.16")

    page = browser_login(physician_a.username)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/patients/", f"/patients/{patient.public_id}/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert horizontal_overflow(page) == 0, path
    assert "N-000123" in page.content()
