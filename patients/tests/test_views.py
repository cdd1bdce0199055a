"""The record's pages: who may do what, bad input on the forms, reports served through the gate."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinics.models import AccessLog
from patients import services
from patients.models import BloodValue, Diagnosis, EmgFinding, Evaluation, EvaluationAttachment, PriorSurgery
from patients.tests.conftest import EXE_BYTES, PNG_BYTES
from patients.tests.factories import DiagnosisFactory, EvaluationFactory, PriorSurgeryFactory
from patients.uploads import MAX_UPLOAD_BYTES

pytestmark = pytest.mark.django_db

FUSION = {
    "date_year": "2016", "date_month": "3", "procedure": "fusion", "fusion_approach": "tlif",
    "levels": ["L4", "L5"], "hardware": ["pedicle_screws_rods", "cage"], "surgeon": "Dr Ortiz",
}  # fmt: skip


@pytest.fixture
def records(patient_a: Any, pdf_bytes: bytes) -> dict[str, Any]:
    surgery = PriorSurgeryFactory.create(patient=patient_a)
    evaluation = EvaluationFactory.create(patient=patient_a)
    attachment = EvaluationAttachment.objects.create(
        evaluation=evaluation, original_name="mri.pdf", content_type="application/pdf", size=len(pdf_bytes),
        file=SimpleUploadedFile("mri.pdf", pdf_bytes),
    )  # fmt: skip
    diagnosis = DiagnosisFactory.create(patient=patient_a)
    return {"surgery": surgery, "evaluation": evaluation, "attachment": attachment, "diagnosis": diagnosis}


def urls(patient: Any, records: dict[str, Any]) -> dict[str, str]:
    p = patient.public_id
    return {
        "surgery_create": reverse("patients:surgery_create", args=[p]),
        "surgery_edit": reverse("patients:surgery_edit", args=[records["surgery"].public_id]),
        "evaluation_create": reverse("patients:evaluation_create", args=[p]) + "?kind=mri",
        "evaluation_edit": reverse("patients:evaluation_edit", args=[records["evaluation"].public_id]),
        "diagnosis_create": reverse("patients:diagnosis_create", args=[p]),
        "diagnosis_edit": reverse("patients:diagnosis_edit", args=[records["diagnosis"].public_id]),
        "attachment_download": reverse("patients:attachment_download", args=[records["attachment"].public_id]),
    }


# --- The access gate -----------------------------------------------------------------------------


def test_it_rejects_the_outsider_on_every_record_view(login, outsider, patient_a, records):
    client = login(outsider)
    for name, url in urls(patient_a, records).items():
        assert client.get(url).status_code == 404, name
        assert client.post(url, FUSION).status_code in (404, 405), name
    assert PriorSurgery.objects.count() == 1
    assert not AccessLog.objects.filter(user=outsider).exists()


def test_the_front_desk_may_not_open_or_change_clinical_records(login, frontdesk_a, patient_a, records):
    client = login(frontdesk_a)
    for name, url in urls(patient_a, records).items():
        assert client.get(url).status_code == 403, name
    assert client.post(urls(patient_a, records)["surgery_create"], FUSION).status_code == 403
    assert PriorSurgery.objects.count() == 1


def test_the_front_desk_sees_the_chart_without_clinical_sections(login, frontdesk_a, patient_a, records):
    html = login(frontdesk_a).get(reverse("patients:chart", args=[patient_a.public_id])).content.decode()
    assert patient_a.family_name in html
    assert "Clinical records are visible to clinicians only." in html
    for hidden in ('data-testid="section-surgeries"', 'data-testid="timeline"', "M96.1", "Add surgery"):
        assert hidden not in html


def test_a_therapist_reads_and_edits_clinical_records(login, therapist_a, patient_a, records):
    client = login(therapist_a)
    for name, url in urls(patient_a, records).items():
        # Diagnoses are physicians' (clinics.roles WRITE_DIAGNOSIS; test_least_privilege.py).
        assert client.get(url).status_code == (403 if name.startswith("diagnosis_") else 200), name
    response = client.post(urls(patient_a, records)["surgery_create"], FUSION)
    assert response.status_code == 302
    assert PriorSurgery.objects.count() == 2


def test_a_physician_adds_a_surgery_and_returns_to_the_chart(login, physician_a, patient_a):
    response = login(physician_a).post(reverse("patients:surgery_create", args=[patient_a.public_id]), FUSION)
    assert response.status_code == 302
    assert response["Location"].endswith("#section-surgeries")
    surgery = PriorSurgery.objects.get()
    assert (surgery.patient, surgery.levels, surgery.date_label) == (patient_a, ["L4", "L5"], "2016-03")
    assert surgery.history.get().history_user == physician_a


def test_an_mri_with_a_pdf_report_is_recorded_and_downloaded_through_the_gate(login, physician_a, patient_a, pdf_bytes):
    client = login(physician_a)
    url = reverse("patients:evaluation_create", args=[patient_a.public_id]) + "?kind=mri"
    report = SimpleUploadedFile("mri-report.pdf", pdf_bytes, content_type="application/pdf")
    response = client.post(
        url,
        {"performed_on": "2024-02-12", "f_with_contrast": "on",
         **rows("spinal_findings", {"finding": "epidural_fibrosis", "level": "L5-S1", "side": ""},
                {"finding": "recurrent_herniation", "level": "L4-L5", "side": "left"}),
         "impression": "Scar around L5.", "pain_generators": ["epidural_fibrosis"],
         "reviewing_clinician": physician_a.pk, "attachments": [report]},
    )  # fmt: skip
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.findings == {"with_contrast": True}
    assert [str(f) for f in evaluation.spinal_findings.all()] == [
        "Epidural fibrosis L5-S1",
        "Recurrent herniation L4-L5, left",
    ]
    attachment = evaluation.attachments.get()

    download = client.get(reverse("patients:attachment_download", args=[attachment.public_id]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes
    assert download["Content-Disposition"] == 'attachment; filename="mri-report.pdf"'
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    log = AccessLog.objects.get(action=AccessLog.Action.DOWNLOAD)
    assert (log.user, log.patient_public_id) == (physician_a, patient_a.public_id)


def test_the_evaluation_form_without_a_kind_offers_the_kinds(login, physician_a, patient_a):
    url = reverse("patients:evaluation_create", args=[patient_a.public_id])
    html = login(physician_a).get(url + "?kind=nonsense").content.decode()
    assert "Which kind of evaluation?" in html
    assert "?kind=dexa" in html


def test_a_diagnosis_is_added_from_the_common_codes(login, physician_a, patient_a):
    client = login(physician_a)
    url = reverse("patients:diagnosis_create", args=[patient_a.public_id])
    html = client.get(url).content.decode()
    assert html.index('value="M96.1"') < html.index('value="G89.29"')
    response = client.post(url, {"code": "m96.1", "diagnosed_on": "2024-01-01", "is_primary": "on"})
    assert response.status_code == 302
    assert Diagnosis.objects.get().description == "Postlaminectomy syndrome, not elsewhere classified"


def test_editing_an_evaluation_keeps_its_findings_in_the_form(login, physician_a, patient_a):
    evaluation = EvaluationFactory.create(
        patient=patient_a, kind="dexa", findings={"t_score": -2.6, "site": "total_hip"}
    )
    html = login(physician_a).get(reverse("patients:evaluation_edit", args=[evaluation.public_id])).content.decode()
    assert 'name="f_t_score" value="-2.6"' in html


# --- Bad input: a clear message on the form, status 200, nothing saved lost ----------------------


def _snapshot() -> list[Any]:
    return [
        list(PriorSurgery.objects.order_by("id").values()),
        list(Evaluation.objects.order_by("id").values()),
        list(Diagnosis.objects.order_by("id").values()),
        EvaluationAttachment.objects.count(),
    ]


BAD_SURGERIES = [
    ({"date_year": "2999"}, "The surgery date cannot be in the future."),
    ({"date_year": "1901"}, "The surgery date cannot be before the patient&#x27;s date of birth."),
    ({"levels": ["L5"]}, "A fusion joins at least two adjacent vertebrae: choose two or more levels."),
    ({"levels": ["L3", "L5"]}, "The levels of a fusion must be adjacent (for example L4 and L5)."),
    ({"levels": ["L4", "L6"]}, "Select a valid choice. L6 is not one of the available choices."),
    ({"notes": "x" * 4001}, "Ensure this value has at most 4000 characters (it has 4001)."),
    ({"surgeon": "<img src=x onerror=alert(1)>"}, "Please remove HTML or markup (text between &lt; and &gt;)."),
    ({"date_month": "2", "date_day": "30"}, "This is not a real date."),
    ({"procedure": "laminectomy"}, "An approach is recorded for fusions only."),
]


@pytest.mark.parametrize(("change", "message"), BAD_SURGERIES)
def test_a_bad_surgery_gives_a_message_and_loses_nothing(login, physician_a, patient_a, records, change, message):
    before = _snapshot()
    client = login(physician_a)
    for url in (
        reverse("patients:surgery_create", args=[patient_a.public_id]),
        reverse("patients:surgery_edit", args=[records["surgery"].public_id]),
    ):
        response = client.post(url, {**FUSION, **change})
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert "Nothing was saved." in html
        assert _snapshot() == before


def _mri(pdf: bytes | None = None, **extra: Any) -> dict[str, Any]:
    findings = rows("spinal_findings", {"finding": "stenosis", "level": "L4-L5", "side": "central"})
    return {"performed_on": "2024-02-12", **findings, "impression": "Stable.", **extra}


@pytest.mark.parametrize(
    ("data", "files", "message"),
    [
        ({"performed_on": "2999-01-01"}, [], "The date cannot be in the future."),
        ({"performed_on": "1900-01-01"}, [], "The date cannot be before the patient&#x27;s date of birth."),
        ({"spinal_findings-0-level": "L0"}, [], "Choose a disc level from the list, for example L4-L5."),
        (
            {"spinal_findings-0-finding": "recurrent_herniation", "spinal_findings-0-side": ""},
            [],
            "Give the side of the recurrent herniation.",
        ),
        ({"impression": "<script>x</script>"}, [], "Please remove HTML or markup"),
        ({"impression": "y" * 5000}, [], "Ensure this value has at most 4000 characters (it has 5000)."),
        ({}, [("scan.pdf", PNG_BYTES)], "“scan.pdf” is named as a PDF file but its content is PNG."),
        ({}, [("scan.pdf", EXE_BYTES)], "“scan.pdf” is not a PDF, JPEG or PNG file."),
        ({}, [("setup.exe", EXE_BYTES)], "“setup.exe” is not a PDF, JPEG or PNG file."),
        ({}, [("big.pdf", b"%PDF-1.4\n" + b"0" * MAX_UPLOAD_BYTES)], "“big.pdf” is larger than 10 MB."),
        ({}, [(f"r{n}.png", PNG_BYTES) for n in range(6)], "Attach at most 5 files at a time."),
    ],
)
def test_a_bad_evaluation_gives_a_message_and_loses_nothing(
    login, physician_a, patient_a, records, data, files, message
):
    before = _snapshot()
    before_files = sorted(records["attachment"].file.storage.listdir("evaluations")[1])
    client = login(physician_a)
    for url in (
        reverse("patients:evaluation_create", args=[patient_a.public_id]) + "?kind=mri",
        reverse("patients:evaluation_edit", args=[records["evaluation"].public_id]),
    ):
        uploads = [SimpleUploadedFile(name, content) for name, content in files]
        response = client.post(url, {**_mri(), **data, "attachments": uploads})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert _snapshot() == before
    assert sorted(records["attachment"].file.storage.listdir("evaluations")[1]) == before_files


def rows(prefix: str, *values: dict[str, str]) -> dict[str, str]:
    """The POST of an inline formset of new rows (``values``, one dict per row)."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(values)), f"{prefix}-INITIAL_FORMS": "0"}
    for n, row in enumerate(values):
        data.update({f"{prefix}-{n}-{name}": value for name, value in row.items()})
    return data


@pytest.mark.parametrize(
    ("kind", "data", "field_message"),
    [
        ("emg", rows("emg_findings", {"level": "L5"}), "Give the level, side, and whether acute or chronic."),
        ("blood", rows("blood_values", {"test": "crp", "value": "3", "unit": "%"}), "C-reactive protein is measured in mg/L or mg/dL."),
        ("blood", rows("blood_values", {"value": "3"}), "Choose the test."),
        ("dexa", {"f_t_score": "-7"}, "Ensure this value is greater than or equal to -6.0."),
        ("psych", {"f_instrument": "phq2", "f_score": "9"}, "A PHQ-2 score is a whole number from 0 to 6."),
    ],
)  # fmt: skip
def test_half_filled_findings_are_pointed_out(login, physician_a, patient_a, kind, data, field_message):
    url = reverse("patients:evaluation_create", args=[patient_a.public_id]) + f"?kind={kind}"
    response = login(physician_a).post(url, {"performed_on": "2024-02-12", **data})
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "M54"}, "M54 is a heading, not a billable code."),
        ({"code": "Q99.99"}, "This is not an ICD-10-CM code."),
        ({"code": "M96.1"}, "This diagnosis is already on the patient&#x27;s record."),
        ({"code": "G89.4", "diagnosed_on": "2999-01-01"}, "The date cannot be in the future."),
        ({"code": "G89.4", "notes": "<b>bold</b>"}, "Please remove HTML"),
        ({"code": "G89.4", "resolved_on": "2020-01-01"}, "A diagnosis cannot be resolved before it was made."),
    ],
)
def test_a_bad_diagnosis_gives_a_message_and_loses_nothing(login, physician_a, patient_a, records, data, message):
    before = _snapshot()
    url = reverse("patients:diagnosis_create", args=[patient_a.public_id])
    response = login(physician_a).post(url, {"diagnosed_on": "2024-01-01", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _snapshot() == before


def test_a_download_of_a_missing_file_is_a_404_not_a_500(login, physician_a, records):
    attachment = records["attachment"]
    attachment.file.storage.delete(attachment.file.name)
    response = login(physician_a).get(reverse("patients:attachment_download", args=[attachment.public_id]))
    assert response.status_code == 404


def test_a_stored_report_is_not_served_from_any_storage_path(login, physician_a, records):
    client = login(physician_a)
    name = records["attachment"].file.name
    for path in (f"/{name}", f"/media/{name}", f"/private-media/{name}"):
        assert client.get(path).status_code == 404


def test_partial_date_fields_round_trip_through_the_edit_form(login, physician_a, patient_a):
    surgery = PriorSurgeryFactory.create(patient=patient_a, date_year=2012, date_month=None)
    client = login(physician_a)
    url = reverse("patients:surgery_edit", args=[surgery.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {**FUSION, "date_year": "2012", "date_month": "", "date_day": ""})
    assert response.status_code == 302
    surgery.refresh_from_db()
    assert (surgery.date_label, surgery.sort_date) == ("2012", datetime.date(2012, 1, 1))


def test_the_patient_form_cannot_move_a_patient_to_another_clinic(login, frontdesk_a, patient_a, clinic_b):
    data = {
        "given_name": "Ann", "family_name": "Lee", "mrn": "Z-1", "date_of_birth": "1970-01-01", "sex": "female",
        "preferred_channel": "none", "preferred_language": "en", "status": "active", "status_date": "2020-01-01",
        "smoking_status": "unknown", "work_status": "unknown", "clinic": str(clinic_b.pk),
    }  # fmt: skip
    clinic_before = patient_a.clinic_id
    response = login(frontdesk_a).post(reverse("patients:edit", args=[patient_a.public_id]), data)
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.given_name == "Ann"
    assert patient_a.clinic_id == clinic_before


def test_an_emg_is_recorded_with_its_radiculopathies_as_rows(login, physician_a, patient_a):
    url = reverse("patients:evaluation_create", args=[patient_a.public_id]) + "?kind=emg"
    data = {
        "performed_on": "2024-02-12",
        **rows("emg_findings", {"level": "L5", "side": "left", "chronicity": "chronic"}, {}, {}),
    }
    response = login(physician_a).post(url, data)
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert list(evaluation.emg_findings.values_list("level", "side", "chronicity")) == [("L5", "left", "chronic")]


def test_editing_blood_values_changes_adds_and_deletes_rows(login, physician_a, patient_a):
    evaluation = services.evaluation_record(
        patient=patient_a, by=physician_a, kind="blood", performed_on=datetime.date(2024, 1, 30),
        rows=[BloodValue(test="crp", value=Decimal("4"), unit="mg/L"),
              BloodValue(test="esr", value=Decimal("12"), unit="mm/h")],
    )  # fmt: skip
    crp, esr = evaluation.blood_values.order_by("id")
    prefix = "blood_values"
    data = {
        "performed_on": "2024-01-30",
        f"{prefix}-TOTAL_FORMS": "3", f"{prefix}-INITIAL_FORMS": "2",
        f"{prefix}-0-id": str(crp.pk), f"{prefix}-0-test": "crp", f"{prefix}-0-value": "40.5", f"{prefix}-0-unit": "mg/L",
        f"{prefix}-1-id": str(esr.pk), f"{prefix}-1-test": "esr", f"{prefix}-1-value": "12", f"{prefix}-1-unit": "mm/h",
        f"{prefix}-1-DELETE": "on",
        f"{prefix}-2-test": "hba1c", f"{prefix}-2-value": "6.1", f"{prefix}-2-unit": "%",
    }  # fmt: skip
    url = reverse("patients:evaluation_edit", args=[evaluation.public_id])
    response = login(physician_a).post(url, data)
    assert response.status_code == 302
    assert sorted(evaluation.blood_values.values_list("test", "value")) == [
        ("crp", Decimal("40.50")),
        ("hba1c", Decimal("6.10")),
    ]


def test_the_edit_form_shows_the_stored_rows(login, physician_a, patient_a):
    evaluation = services.evaluation_record(
        patient=patient_a, by=physician_a, kind="emg", performed_on=datetime.date(2024, 1, 30),
        rows=[EmgFinding(level="S1", side="right", chronicity="chronic")],
    )  # fmt: skip
    html = login(physician_a).get(reverse("patients:evaluation_edit", args=[evaluation.public_id])).content.decode()
    assert 'name="emg_findings-INITIAL_FORMS" value="1"' in html
    assert '<option value="S1" selected>S1</option>' in html
