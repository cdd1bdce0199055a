"""The rules of the record: prior surgeries, evaluations, diagnoses, reports (services and models)."""

from __future__ import annotations

import datetime
import inspect
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from patients import selectors, services
from patients.choices import EvaluationKind
from patients.evaluations import registry
from patients.evaluations.dexa import DexaFindings
from patients.icd import normalize, validate_icd10cm
from patients.models import BloodValue, Diagnosis, EmgFinding, Evaluation, EvaluationAttachment, PriorSurgery
from patients.tests.conftest import EXE_BYTES, PNG_BYTES
from patients.tests.factories import DiagnosisFactory, PatientFactory
from patients.uploads import MAX_UPLOAD_BYTES, inspect_upload

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def _fixed_day() -> Any:
    with time_machine.travel(datetime.datetime(2025, 6, 15, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def patient(clinic_a: Any, physician_a: Any) -> Any:
    return PatientFactory.create(
        clinic=clinic_a, primary_physician=physician_a, date_of_birth=datetime.date(1970, 5, 20)
    )


def surgery(patient: Any, by: Any, **fields: Any) -> PriorSurgery:
    values = {"date_year": 2015, "procedure": "laminectomy", "levels": ["L4"], "hardware": ["none"], **fields}
    return services.surgery_record(patient=patient, by=by, **values)


def messages_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- Prior surgeries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "day", "label", "sort_date"),
    [
        (2015, None, None, "2015", datetime.date(2015, 1, 1)),
        (2015, 6, None, "2015-06", datetime.date(2015, 6, 1)),
        (2015, 6, 3, "2015-06-03", datetime.date(2015, 6, 3)),
    ],
)
def test_it_keeps_a_partial_date_as_remembered(patient, physician_a, year, month, day, label, sort_date):
    s = surgery(patient, physician_a, date_year=year, date_month=month, date_day=day)
    s.refresh_from_db()
    assert s.date_label == label
    assert s.sort_date == sort_date
    assert s.is_partial_date == (day is None)


@pytest.mark.parametrize(
    ("year", "month", "day"), [(2026, None, None), (2025, 7, None), (2025, 6, 16)], ids=["year", "month", "day"]
)
def test_it_rejects_future_surgery_date(patient, physician_a, year, month, day):
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, date_year=year, date_month=month, date_day=day)
    assert messages_of(exc)["date_year"] == ["The surgery date cannot be in the future."]
    assert not PriorSurgery.objects.exists()


def test_it_accepts_this_month_as_a_partial_date(patient, physician_a):
    assert surgery(patient, physician_a, date_year=2025, date_month=6).date_label == "2025-06"


@pytest.mark.parametrize(("year", "month"), [(1969, None), (1970, 4)])
def test_it_rejects_surgery_before_birth(patient, physician_a, year, month):
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, date_year=year, date_month=month)
    assert messages_of(exc)["date_year"] == ["The surgery date cannot be before the patient's date of birth."]


def test_a_year_only_date_in_the_birth_year_is_accepted(patient, physician_a):
    # Born May 1970: "1970" may well be after the birth.
    assert surgery(patient, physician_a, date_year=1970).date_label == "1970"


def test_it_rejects_a_day_without_month_and_a_day_that_does_not_exist(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, date_day=3)
    assert "Give the month too" in messages_of(exc)["date_month"][0]
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, date_month=2, date_day=30)
    assert messages_of(exc)["date_day"] == ["This is not a real date."]


def test_it_rejects_a_fusion_at_one_level(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, procedure="fusion", fusion_approach="tlif", levels=["L5"])
    assert "at least two adjacent vertebrae" in messages_of(exc)["levels"][0]


def test_it_rejects_a_fusion_of_levels_that_are_not_adjacent(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, procedure="fusion", fusion_approach="tlif", levels=["L3", "L5"])
    assert "must be adjacent" in messages_of(exc)["levels"][0]


def test_it_orders_fusion_levels_head_to_tail(patient, physician_a):
    s = surgery(patient, physician_a, procedure="fusion", fusion_approach="alif", levels=["S1", "L4", "L5"])
    assert s.levels == ["L4", "L5", "S1"]
    assert s.levels_label == "L4-S1"


def test_it_rejects_levels_out_of_range(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, levels=["L6", "S2"])
    assert messages_of(exc)["levels"] == ["Unknown spinal level: L6, S2. Use C1 to S1."]


def test_a_fusion_needs_its_approach_and_only_a_fusion_has_one(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, procedure="fusion", levels=["L4", "L5"])
    assert messages_of(exc)["fusion_approach"] == ["Choose the approach of the fusion."]
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, procedure="discectomy", fusion_approach="tlif")
    assert messages_of(exc)["fusion_approach"] == ["An approach is recorded for fusions only."]


def test_it_rejects_unknown_choices_and_none_with_hardware(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, hardware=["none", "cage"], complications=["alien"], failure_causes=[3])
    errors = messages_of(exc)
    assert errors["hardware"] == ["“None” cannot be combined with other hardware."]
    assert errors["complications"] == ["Choose from the list."]
    assert errors["failure_causes"] == ["Choose from the list."]


def test_it_rejects_markup_in_surgery_text(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        surgery(patient, physician_a, notes="<script>alert(1)</script>", surgeon="Dr <b>X</b>")
    assert "Please remove HTML" in messages_of(exc)["notes"][0]
    assert "Please remove HTML" in messages_of(exc)["surgeon"][0]


def test_an_update_is_attributed_and_kept_in_history(patient, physician_a, therapist_a):
    s = surgery(patient, physician_a)
    services.surgery_update(surgery=s, by=therapist_a, procedure="laminotomy")
    versions = list(s.history.order_by("history_date", "history_id"))
    assert [v.history_user for v in versions] == [physician_a, therapist_a]
    assert [v.procedure for v in versions] == ["laminectomy", "laminotomy"]


def test_a_refused_update_leaves_the_saved_surgery_unchanged(patient, physician_a):
    s = surgery(patient, physician_a)
    with pytest.raises(ValidationError):
        services.surgery_update(surgery=s, by=physician_a, date_year=2030)
    s.refresh_from_db()
    assert s.date_year == 2015
    assert s.history.count() == 1


# --- Evaluations ---------------------------------------------------------------------------------


def evaluation(patient: Any, by: Any, **fields: Any) -> Evaluation:
    values = {"kind": "mri", "performed_on": datetime.date(2024, 1, 10), "findings": {}, **fields}
    return services.evaluation_record(patient=patient, by=by, **values)


def test_it_rejects_future_evaluation_and_evaluation_before_birth(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        evaluation(patient, physician_a, performed_on=TODAY + datetime.timedelta(days=1))
    assert messages_of(exc)["performed_on"] == ["The date cannot be in the future."]
    with pytest.raises(ValidationError) as exc:
        evaluation(patient, physician_a, performed_on=datetime.date(1970, 5, 19))
    assert messages_of(exc)["performed_on"] == ["The date cannot be before the patient's date of birth."]
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    ("kind", "data", "clean"),
    [
        ("mri", {"with_contrast": False}, {}),
        ("mri", {"with_contrast": True}, {"with_contrast": True}),
        ("flexion_extension", {}, {}),
        ("emg", {}, {}),
        ("dexa", {"t_score": -2.54, "site": "lumbar_spine"}, {"t_score": -2.5, "site": "lumbar_spine"}),
        ("dexa", {"t_score": "-2.45", "site": ""}, {"t_score": -2.5}),
        ("blood", {}, {}),
        ("psych", {"instrument": "phq9", "score": 27}, {"instrument": "phq9", "score": 27}),
        ("exam", {"straight_leg_raise": "left", "motor_deficit": True, "reflex_change": False},
         {"straight_leg_raise": "left", "motor_deficit": True}),
        ("exam", {}, {}),
    ],
)  # fmt: skip
def test_it_accepts_findings_of_each_kind_in_their_clean_shape(kind, data, clean):
    assert registry.clean_findings(kind, data) == clean


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("mri", {"stenosis": ["L4"]}, "do not belong to this kind"),
        ("mri", {"with_contrast": "maybe"}, "Contrast is recorded as yes or no"),
        ("ct", {"with_contrast": True}, "do not belong to this kind"),
        ("emg", {"radiculopathies": [{"level": "L5"}]}, "do not belong to this kind"),
        ("dexa", {"t_score": -9}, "between -6.0 and +4.0"),
        ("dexa", {"t_score": float("nan")}, "between -6.0 and +4.0"),
        ("dexa", {"t_score": "-2.1x"}, "between -6.0 and +4.0"),
        ("blood", {"values": [{"name": "crp", "value": 3, "unit": "%"}]}, "do not belong to this kind"),
        ("psych", {"instrument": "gad7", "score": 22}, "GAD-7 score is a whole number from 0 to 21"),
        ("psych", {"instrument": "unknown", "score": 2}, "Choose the screening instrument"),
        ("exam", {"motor_deficit": "yes"}, "yes or no"),
        ("mri", ["stenosis"], "not in the expected form"),
    ],
)
def test_it_rejects_findings_that_do_not_fit_the_kind(kind, data, message):
    with pytest.raises(ValidationError) as exc:
        registry.clean_findings(kind, data)
    assert message in " ".join(exc.value.messages)


@pytest.mark.parametrize("kind", EvaluationKind.values)
def test_every_kind_of_evaluation_has_its_registered_type(kind):
    evaluation_type = registry.get(kind)
    assert evaluation_type.kind == kind
    assert evaluation_type.schema.model_config.get("extra") == "forbid"


def test_a_dexa_t_score_is_read_back_as_a_decimal(patient, physician_a):
    e = evaluation(patient, physician_a, kind="dexa", findings={"t_score": Decimal("-2.6"), "site": "total_hip"})
    e.refresh_from_db()
    stored = registry.get("dexa").read(e.findings)
    assert isinstance(stored, DexaFindings)
    assert stored.t_score == Decimal("-2.6")


# --- Repeated findings: EMG radiculopathies and blood values are rows of their own ---------------


def two_radiculopathies() -> list[EmgFinding]:
    return [
        EmgFinding(level="L5", side="left", chronicity="chronic"),
        EmgFinding(level="S1", side="right", chronicity="acute"),
    ]


def test_emg_radiculopathies_are_stored_as_rows(patient, physician_a):
    e = evaluation(patient, physician_a, kind="emg", rows=two_radiculopathies())
    assert list(e.emg_findings.values_list("level", "side", "chronicity")) == [
        ("L5", "left", "chronic"),
        ("S1", "right", "acute"),
    ]
    assert e.findings == {}


@pytest.mark.parametrize(
    ("kind", "row", "field", "message"),
    [
        ("emg", EmgFinding(level="L5", side="up", chronicity="acute"), "side", "Value 'up' is not a valid choice."),
        ("emg", EmgFinding(level="L9", side="left", chronicity="acute"), "level", "Value 'L9' is not a valid choice."),
        ("emg", EmgFinding(level="L5", side="left"), "chronicity", "This field cannot be blank."),
        ("blood", BloodValue(test="crp", value=Decimal(3), unit="%"), "unit", "C-reactive protein is measured in mg/L or mg/dL."),
        ("blood", BloodValue(test="esr", value=Decimal(201), unit="mm/h"), "value", "ESR: the value is out of range."),
        ("blood", BloodValue(test="crp", value=Decimal(-1), unit="mg/L"), "value", "C-reactive protein: the value is out of range."),
    ],
)  # fmt: skip
def test_it_rejects_a_row_that_is_incomplete_out_of_the_lists_or_out_of_range(
    patient, physician_a, kind, row, field, message
):
    with pytest.raises(ValidationError) as exc:
        evaluation(patient, physician_a, kind=kind, rows=[row])
    assert messages_of(exc)[field] == [message]
    assert not Evaluation.objects.exists()


def test_blood_values_are_stored_as_decimals(patient, physician_a):
    e = evaluation(
        patient, physician_a, kind="blood", rows=[BloodValue(test="crp", value=Decimal("12.5"), unit="mg/L")]
    )
    value = e.blood_values.get()
    assert (value.test, value.value, value.unit) == ("crp", Decimal("12.50"), "mg/L")


def test_rows_are_refused_for_a_kind_without_rows(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        evaluation(patient, physician_a, kind="dexa", rows=[EmgFinding(level="L5", side="left", chronicity="acute")])
    assert messages_of(exc)["findings"] == ["This kind of evaluation has no rows of findings."]
    assert not Evaluation.objects.exists()


def test_an_update_replaces_the_rows_it_is_given_and_deletes_the_others(patient, physician_a):
    e = evaluation(patient, physician_a, kind="emg", rows=two_radiculopathies())
    kept = e.emg_findings.get(level="L5")
    kept.side = "bilateral"
    services.evaluation_update(
        evaluation=e, by=physician_a, rows=[kept, EmgFinding(level="L4", side="left", chronicity="acute")]
    )
    assert sorted(e.emg_findings.values_list("level", "side")) == [("L4", "left"), ("L5", "bilateral")]


def test_an_update_without_rows_keeps_the_rows(patient, physician_a):
    e = evaluation(patient, physician_a, kind="emg", rows=[EmgFinding(level="L5", side="left", chronicity="chronic")])
    services.evaluation_update(evaluation=e, by=physician_a, impression="Stable.")
    assert e.emg_findings.count() == 1


def test_bad_findings_are_refused_by_the_service_on_the_findings_key(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        evaluation(patient, physician_a, kind="dexa", findings={"t_score": 12})
    assert messages_of(exc)["findings"] == ["The T-score must be between -6.0 and +4.0."]


@pytest.mark.parametrize(
    ("kind", "data", "lines"),
    [
        ("mri", {"with_contrast": True}, ["With contrast"]),
        ("dexa", {"t_score": -2.6, "site": "total_hip"}, ["T-score -2.6 (total hip)"]),
        ("psych", {"instrument": "phq9", "score": 14}, ["PHQ-9: 14"]),
        ("exam", {"straight_leg_raise": "left", "motor_deficit": True}, ["Straight leg raise: left", "Motor deficit"]),
        ("mri", {"with_contrast": "garbage"}, []),
    ],
)
def test_findings_read_as_text_for_the_chart(kind, data, lines):
    assert registry.summary(kind, data) == lines


def test_rows_of_findings_read_as_text_for_the_chart(patient, physician_a):
    emg = evaluation(patient, physician_a, kind="emg", rows=[EmgFinding(level="S1", side="right", chronicity="acute")])
    blood = evaluation(
        patient, physician_a, kind="blood", rows=[BloodValue(test="hba1c", value=Decimal("6.50"), unit="%")]
    )
    assert selectors.findings_lines(emg) == ["Radiculopathy S1, right, acute"]
    assert selectors.findings_lines(blood) == ["HbA1c: 6.5 %"]


def test_reports_are_stored_under_a_neutral_name(patient, physician_a, pdf_bytes):
    upload = SimpleUploadedFile("Smith John MRI.pdf", pdf_bytes, content_type="application/pdf")
    e = evaluation(patient, physician_a, attachments=[upload])
    attachment = e.attachments.get()
    assert attachment.original_name == "Smith_John_MRI.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.file.name == f"evaluations/{attachment.public_id}.pdf"
    assert "Smith" not in attachment.file.name
    assert attachment.file.read() == pdf_bytes


def test_a_refused_report_stores_no_evaluation(patient, physician_a):
    upload = SimpleUploadedFile("report.pdf", PNG_BYTES, content_type="application/pdf")
    with pytest.raises(ValidationError):
        evaluation(patient, physician_a, attachments=[upload])
    assert not Evaluation.objects.exists()


# --- Uploads checked by content -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", PNG_BYTES, "“scan.pdf” is named as a PDF file but its content is PNG."),
        ("scan.pdf", EXE_BYTES, "“scan.pdf” is not a PDF, JPEG or PNG file. Only these types can be attached."),
        ("scan.exe", PNG_BYTES, "“scan.exe” must be named .pdf, .jpg, .jpeg or .png."),
        ("scan.pdf", b"", "“scan.pdf” is empty."),
        ("notes.pdf", b"just some text, no magic", "“notes.pdf” is not a PDF, JPEG or PNG file."),
    ],
)
def test_it_checks_a_report_by_its_content(name, content, message):
    with pytest.raises(ValidationError) as exc:
        inspect_upload(SimpleUploadedFile(name, content))
    assert message in exc.value.messages[0]


def test_it_refuses_a_report_over_the_size_limit(pdf_bytes):
    big = SimpleUploadedFile("big.pdf", pdf_bytes + b"\0" * MAX_UPLOAD_BYTES)
    with pytest.raises(ValidationError) as exc:
        inspect_upload(big)
    assert exc.value.messages == ["“big.pdf” is larger than 10 MB. Attach a smaller file."]


def test_it_accepts_pdf_png_and_jpeg_by_content(pdf_bytes):
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
    assert inspect_upload(SimpleUploadedFile("a.PDF", pdf_bytes)) == "application/pdf"
    assert inspect_upload(SimpleUploadedFile("a.png", PNG_BYTES)) == "image/png"
    assert inspect_upload(SimpleUploadedFile("a.jpeg", jpeg)) == "image/jpeg"


# --- Diagnoses -----------------------------------------------------------------------------------


def test_it_normalises_and_describes_an_icd_code(patient, physician_a):
    d = services.diagnosis_add(patient=patient, by=physician_a, code=" m961 ", diagnosed_on=datetime.date(2024, 1, 1))
    assert (d.code, d.description) == ("M96.1", "Postlaminectomy syndrome, not elsewhere classified")
    assert normalize("t85112a") == "T85.112A"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("XYZ.9", "This is not an ICD-10-CM code."),
        ("M54", "M54 is a heading, not a billable code. Choose a more specific code, such as M54.00"),
        ("", "Enter an ICD-10-CM code"),
    ],
)
def test_it_rejects_codes_that_are_not_billable_icd10cm(code, message):
    with pytest.raises(ValidationError) as exc:
        validate_icd10cm(code)
    assert message in exc.value.messages[0]


def test_marking_a_diagnosis_primary_demotes_the_previous_primary(patient, physician_a):
    first = services.diagnosis_add(patient=patient, by=physician_a, code="M96.1", is_primary=True)
    second = services.diagnosis_add(patient=patient, by=physician_a, code="G89.4", is_primary=True)
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    assert first.history.first().history_user == physician_a


def test_a_refused_primary_diagnosis_does_not_demote_the_current_one(patient, physician_a):
    first = services.diagnosis_add(patient=patient, by=physician_a, code="M96.1", is_primary=True)
    with pytest.raises(ValidationError):
        services.diagnosis_add(patient=patient, by=physician_a, code="M54", is_primary=True)
    first.refresh_from_db()
    assert first.is_primary


def test_a_diagnosis_is_recorded_once_per_patient(patient, physician_a):
    DiagnosisFactory.create(patient=patient, code="M96.1")
    with pytest.raises(ValidationError) as exc:
        services.diagnosis_add(patient=patient, by=physician_a, code="M96.1")
    assert exc.value.messages == ["This diagnosis is already on the patient's record."]


def test_a_diagnosis_cannot_be_resolved_before_it_was_made(patient, physician_a):
    with pytest.raises(ValidationError) as exc:
        services.diagnosis_add(
            patient=patient, by=physician_a, code="G89.4",
            diagnosed_on=datetime.date(2024, 3, 1), resolved_on=datetime.date(2024, 2, 1),
        )  # fmt: skip
    assert messages_of(exc)["resolved_on"] == ["A diagnosis cannot be resolved before it was made."]
    assert not Diagnosis.objects.exists()


def test_a_refused_second_report_leaves_no_file_behind(patient, physician_a, pdf_bytes):
    from django.core.files.storage import default_storage

    before = default_storage.listdir("evaluations")[1] if default_storage.exists("evaluations") else []
    good = SimpleUploadedFile("a.pdf", pdf_bytes)
    bad = SimpleUploadedFile("b.pdf", PNG_BYTES)
    with pytest.raises(ValidationError):
        evaluation(patient, physician_a, attachments=[good, bad])
    after = default_storage.listdir("evaluations")[1] if default_storage.exists("evaluations") else []
    assert sorted(after) == sorted(before)
    assert not EvaluationAttachment.objects.exists()


# --- Nothing moves a record to another clinic -----------------------------------------------------


@pytest.mark.parametrize("service", [services.patient_update, services.surgery_update, services.evaluation_update])
def test_no_update_service_takes_a_clinic(service):
    assert "clinic" not in inspect.signature(service).parameters


def test_patient_update_refuses_a_clinic(patient, physician_a, clinic_b):
    move: dict[str, Any] = {"clinic": clinic_b}
    with pytest.raises(TypeError):
        services.patient_update(patient=patient, by=physician_a, **move)
    patient.refresh_from_db()
    assert patient.clinic != clinic_b


def test_evaluation_update_refuses_a_new_kind(patient, physician_a):
    e = evaluation(patient, physician_a)
    change: dict[str, Any] = {"kind": "ct"}
    with pytest.raises(TypeError):
        services.evaluation_update(evaluation=e, by=physician_a, **change)
    e.refresh_from_db()
    assert e.kind == "mri"


def test_mri_findings_are_rows_by_disc_level_with_side_where_it_matters(patient, physician_a):
    from patients.models import SpinalFinding

    mri = evaluation(
        patient, physician_a, kind="mri",
        rows=[SpinalFinding(finding="recurrent_herniation", level="L4-L5", side="left"),
              SpinalFinding(finding="stenosis", level="L5-S1", side="")],
    )  # fmt: skip
    assert registry.get("mri").summary(mri) == ["Recurrent herniation L4-L5, left", "Central canal stenosis L5-S1"]
    with pytest.raises(ValidationError) as exc:
        evaluation(patient, physician_a, kind="mri", rows=[SpinalFinding(finding="foraminal_stenosis", level="L5-S1")])
    assert messages_of(exc)["side"] == ["Give the side of the foraminal stenosis."]
    with pytest.raises(ValidationError) as exc:
        evaluation(
            patient,
            physician_a,
            kind="xray",
            rows=[SpinalFinding(finding="recurrent_herniation", level="L5-S1", side="left")],
        )
    assert messages_of(exc)["finding"] == ["This kind of study does not show this finding."]
    with pytest.raises(ValidationError):
        evaluation(patient, physician_a, kind="mri", rows=[SpinalFinding(finding="stenosis", level="L5")])


def test_the_disc_levels_run_from_c2_c3_to_l5_s1():
    from patients.spine import DISC_LEVELS, disc_below

    assert DISC_LEVELS[0] == "C2-C3" and DISC_LEVELS[-1] == "L5-S1"
    assert {"C7-T1", "T12-L1", "L4-L5"} <= set(DISC_LEVELS)
    assert (disc_below("L4"), disc_below("S1")) == ("L4-L5", "L5-S1")
