"""Generated hostile values posted to the record's forms: never a 5xx, never a partial write."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients.models import Diagnosis, Evaluation, EvaluationAttachment, Patient, PriorSurgery
from patients.tests.conftest import EXE_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db

HOSTILE = st.one_of(
    st.text(max_size=60),
    # Over-long text: one character repeated, so the example stays cheap to generate and shrink.
    st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"), st.integers(min_value=3990, max_value=4100)),
    st.sampled_from([
        "", " ", "\x00", "<script>alert(1)</script>", "javascript:alert(1)", "&#x3C;b&#x3E;", "L6", "S2", "C0",
        "-1", "0", "1e309", "NaN", "inf", "99999999999999999999", "2999-12-31", "1800-01-01", "0000-00-00",
        "2024-02-30", "M54", "M96.1", "'; DROP TABLE patients_patient; --", "%PDF", "\u202e", "😀" * 50,
    ]),
)  # fmt: skip
VALUES = st.one_of(HOSTILE, st.lists(HOSTILE, max_size=4))
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

SURGERY_FIELDS = ["date_year", "date_month", "date_day", "procedure", "fusion_approach", "levels", "hardware",
                  "surgeon", "facility", "complications", "failure_causes", "notes"]  # fmt: skip
MRI_FIELDS = ["performed_on", "ordering_clinician", "reviewing_clinician", "impression", "pain_generators",
              "f_with_contrast", "spinal_findings-TOTAL_FORMS", "spinal_findings-INITIAL_FORMS",
              "spinal_findings-0-finding", "spinal_findings-0-level", "spinal_findings-0-side"]  # fmt: skip
BLOOD_FIELDS = ["performed_on", "blood_values-TOTAL_FORMS", "blood_values-INITIAL_FORMS", "blood_values-0-test",
                "blood_values-0-value", "blood_values-0-unit", "blood_values-1-value", "blood_values-0-id"]  # fmt: skip
DIAGNOSIS_FIELDS = ["code", "is_primary", "diagnosed_on", "resolved_on", "notes"]
PATIENT_FIELDS = ["given_name", "family_name", "mrn", "date_of_birth", "email", "mobile_phone", "height_cm",
                  "weight_kg", "status_date", "primary_physician"]  # fmt: skip


def snapshot() -> list[Any]:
    return [
        list(model.objects.order_by("id").values())
        for model in (Patient, PriorSurgery, Evaluation, Diagnosis, EvaluationAttachment)
    ]


def check(client: Any, url: str, data: dict[str, Any], model: Any) -> None:
    before = snapshot()
    count = model.objects.count()
    response = client.post(url, data)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert snapshot() == before
    else:
        # A redirect must be the success redirect, not the login page of a lost session.
        assert not response["Location"].startswith("/accounts/login/")
        assert model.objects.count() in (count, count + 1)
        saved = model.objects.order_by("-id").first()
        saved.full_clean()


def valid_surgery() -> dict[str, Any]:
    return {"date_year": "2010", "procedure": "laminectomy", "levels": ["L4"]}


@SETTINGS
@given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(SURGERY_FIELDS, VALUES)))
def test_hostile_surgery_posts(login, physician_a, patient_a, data):
    url = reverse("patients:surgery_create", args=[patient_a.public_id])
    check(_client(login, physician_a), url, {**valid_surgery(), **data}, PriorSurgery)


_CLIENTS: dict[int, Any] = {}


def _client(login: Any, user: Any) -> Any:
    if user.pk not in _CLIENTS:
        _CLIENTS[user.pk] = login(user)
    return _CLIENTS[user.pk]


@pytest.fixture(autouse=True)
def _fresh_clients() -> Any:
    _CLIENTS.clear()
    yield
    _CLIENTS.clear()


@SETTINGS
@given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(MRI_FIELDS, VALUES)))
def test_hostile_mri_posts(login, physician_a, patient_a, data):
    url = reverse("patients:evaluation_create", args=[patient_a.public_id]) + "?kind=mri"
    check(_client(login, physician_a), url, {"performed_on": "2020-01-01", **data}, Evaluation)


@SETTINGS
@given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(BLOOD_FIELDS, VALUES)))
def test_hostile_blood_test_posts(login, physician_a, patient_a, data):
    url = reverse("patients:evaluation_create", args=[patient_a.public_id]) + "?kind=blood"
    check(_client(login, physician_a), url, {"performed_on": "2020-01-01", **data}, Evaluation)


@SETTINGS
@given(
    name=st.sampled_from(["report.pdf", "scan.png", "photo.jpg", "tool.exe", "x", "../../etc/passwd.pdf", "<b>.pdf"]),
    content=st.one_of(st.binary(max_size=300), st.sampled_from([PNG_BYTES, EXE_BYTES, b"%PDF-1.4\n%%EOF"])),
)
def test_hostile_report_uploads(login, physician_a, patient_a, name, content):
    url = reverse("patients:evaluation_create", args=[patient_a.public_id]) + "?kind=ct"
    upload = SimpleUploadedFile(name, content)
    check(_client(login, physician_a), url, {"performed_on": "2020-01-01", "attachments": [upload]}, Evaluation)
    for attachment in EvaluationAttachment.objects.all():
        assert str(attachment.file.name).startswith("evaluations/")
        assert "/" not in attachment.original_name


@SETTINGS
@given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(DIAGNOSIS_FIELDS, VALUES)))
def test_hostile_diagnosis_posts(login, physician_a, patient_a, data):
    url = reverse("patients:diagnosis_create", args=[patient_a.public_id])
    check(_client(login, physician_a), url, {"code": "G89.4", **data}, Diagnosis)


@SETTINGS
@given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(PATIENT_FIELDS, VALUES)))
def test_hostile_patient_edits(login, frontdesk_a, patient_a, data):
    url = reverse("patients:edit", args=[patient_a.public_id])
    base = {"given_name": "Ann", "family_name": "Lee", "mrn": "Z-1", "date_of_birth": "1970-01-01", "sex": "female",
            "preferred_channel": "none", "preferred_language": "en", "status": "active", "status_date": "2020-01-01",
            "smoking_status": "never", "work_status": "unknown"}  # fmt: skip
    check(_client(login, frontdesk_a), url, {**base, **data}, Patient)
