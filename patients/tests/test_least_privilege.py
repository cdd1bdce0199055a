"""Least privilege inside a clinic (issue 11): the patient's risk factors and the diagnoses.

Risk factors (smoking, height and weight, work status, workers' compensation, opioids at intake,
history of depression or anxiety) are clinical data: read with ``VIEW_CLINICAL``, written with
``EDIT_CLINICAL`` (clinics.roles). The front desk and the clinic admin edit and register patients
without seeing or sending them; the services refuse a change of them by anyone else. Diagnoses
are added and changed by physicians only (``WRITE_DIAGNOSIS``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from patients import services
from patients.models import Diagnosis, Patient
from patients.tests.factories import DiagnosisFactory, PatientFactory

pytestmark = pytest.mark.django_db

NON_CLINICAL = ["frontdesk_a", "clinic_admin_a"]
CLINICIANS = ["physician_a", "therapist_a", "psychologist_a", "nurse_a"]
# Clinicians who also edit demographics, so they have the patient form at all.
CLINICAL_EDITORS = ["physician_a", "nurse_a"]
NOT_PHYSICIANS = ["frontdesk_a", "therapist_a", "psychologist_a", "nurse_a", "clinic_admin_a"]

# Every risk factor set away from its default, as a form posts them.
RISK_POST = {
    "smoking_status": "current", "height_cm": "170", "weight_kg": "110", "work_status": "off_work",
    "workers_comp_claim": "on", "opioid_use_at_intake": "on", "history_of_depression": "on",
    "history_of_anxiety": "on",
}  # fmt: skip
RISK_NAMES = [
    "smoking_status", "height_cm", "weight_kg", "work_status", "workers_comp_claim",
    "opioid_use_at_intake", "history_of_depression", "history_of_anxiety",
]  # fmt: skip
# The header badges those values raise on the chart (BMI 110 / 1.7² = 38.1).
RISK_BADGES = [
    "Smoker", "BMI 38.1", "Workers&#x27; compensation", "Opioids at intake", "History of depression",
    "History of anxiety",
]  # fmt: skip
# The labels of the risk-factor fields on the patient form.
RISK_LABELS = [
    'name="smoking_status"', 'name="height_cm"', 'name="weight_kg"', 'name="work_status"',
    'name="workers_comp_claim"', 'name="opioid_use_at_intake"', 'name="history_of_depression"',
    'name="history_of_anxiety"', "Risk factors",
]  # fmt: skip


def demographics(patient: Patient, **changes: str) -> dict[str, str]:
    """The patient form's demographic fields as posted, with ``changes``."""
    return {
        "given_name": patient.given_name, "family_name": patient.family_name, "mrn": patient.mrn,
        "date_of_birth": patient.date_of_birth.isoformat(), "sex": patient.sex, "preferred_channel": "none",
        "preferred_language": "en", "status": "active", "status_date": "2020-01-01", **changes,
    }  # fmt: skip


NEW_PATIENT = {
    "given_name": "Rosa", "family_name": "Quintero", "mrn": "", "date_of_birth": "1958-06-02", "sex": "female",
    "preferred_channel": "none", "preferred_language": "en", "status": "active", "status_date": "2020-01-01",
}  # fmt: skip


def risk_values(patient: Patient) -> dict[str, Any]:
    return dict(Patient.objects.filter(pk=patient.pk).values(*RISK_NAMES).get())


@pytest.fixture
def risky_patient(clinic_a: Any, physician_a: Any) -> Patient:
    """A patient with every risk factor recorded (as a clinician recorded them)."""
    return PatientFactory.create(
        clinic=clinic_a, primary_physician=physician_a, smoking_status="current", height_cm=Decimal("170"),
        weight_kg=Decimal("110"), work_status="off_work", workers_comp_claim=True, opioid_use_at_intake=True,
        history_of_depression=True, history_of_anxiety=True,
    )  # fmt: skip


def chart_header(client: Any, patient: Patient) -> str:
    html = client.get(reverse("patients:chart", args=[patient.public_id])).content.decode()
    return str(html.split('data-testid="chart-header"')[1].split("</section>")[0])


# --- Risk factors: reading --------------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_edit_form_does_not_show_risk_factors_to_a_non_clinical_role(request, login, role, risky_patient):
    html = login(request.getfixturevalue(role)).get(reverse("patients:edit", args=[risky_patient.public_id]))
    assert html.status_code == 200
    page = html.content.decode()
    assert 'name="given_name"' in page  # the form itself is there
    for label in RISK_LABELS:
        assert label not in page, label


@pytest.mark.parametrize("role", CLINICAL_EDITORS)
def test_the_edit_form_shows_risk_factors_to_a_clinician(request, login, role, risky_patient):
    page = login(request.getfixturevalue(role)).get(reverse("patients:edit", args=[risky_patient.public_id]))
    html = page.content.decode()
    for label in RISK_LABELS:
        assert label in html, label


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_registration_form_does_not_show_risk_factors_to_a_non_clinical_role(request, login, role):
    html = login(request.getfixturevalue(role)).get(reverse("patients:create")).content.decode()
    assert 'name="given_name"' in html
    for label in RISK_LABELS:
        assert label not in html, label


def test_the_registration_form_shows_risk_factors_to_a_physician(login, physician_a):
    html = login(physician_a).get(reverse("patients:create")).content.decode()
    for label in RISK_LABELS:
        assert label in html, label


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_chart_shows_no_risk_badge_to_a_non_clinical_role(request, login, role, risky_patient):
    header = chart_header(login(request.getfixturevalue(role)), risky_patient)
    assert risky_patient.family_name in header
    for badge in RISK_BADGES:
        assert badge not in header, badge


@pytest.mark.parametrize("role", CLINICIANS)
def test_the_chart_shows_the_risk_badges_to_a_clinician(request, login, role, risky_patient):
    header = chart_header(login(request.getfixturevalue(role)), risky_patient)
    for badge in RISK_BADGES:
        assert badge in header, badge


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_patient_list_shows_no_risk_factor_to_a_non_clinical_role(request, login, role, risky_patient):
    html = login(request.getfixturevalue(role)).get(reverse("patients:list")).content.decode()
    assert risky_patient.family_name in html
    for word in ("Smoker", "BMI", "Opioids", "depression", "anxiety", "compensation"):
        assert word not in html, word


# --- Risk factors: writing through the forms ---------------------------------------------------------


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_risk_factors_posted_to_the_edit_form_by_a_non_clinical_role_change_nothing(
    request, login, role, patient_a, physician_a
):
    before = risk_values(patient_a)
    url = reverse("patients:edit", args=[patient_a.public_id])
    response = login(request.getfixturevalue(role)).post(
        url, {**demographics(patient_a, given_name="Anna"), **RISK_POST}
    )
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.given_name == "Anna"  # the demographics were saved...
    assert risk_values(patient_a) == before  # ...the risk factors were not read


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_risk_factors_posted_by_a_non_clinical_role_raise_no_badge_on_the_physicians_chart(
    request, login, role, patient_a, physician_a
):
    url = reverse("patients:edit", args=[patient_a.public_id])
    login(request.getfixturevalue(role)).post(url, {**demographics(patient_a), **RISK_POST})
    header = chart_header(login(physician_a), patient_a)
    for badge in RISK_BADGES:
        assert badge not in header, badge


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_a_non_clinical_role_editing_demographics_keeps_the_recorded_risk_factors(request, login, role, risky_patient):
    before = risk_values(risky_patient)
    url = reverse("patients:edit", args=[risky_patient.public_id])
    # The form has no risk fields, so nothing of them is posted: they must not fall back to defaults.
    response = login(request.getfixturevalue(role)).post(url, demographics(risky_patient, family_name="Okafor"))
    assert response.status_code == 302
    assert risk_values(risky_patient) == before


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_risk_factors_posted_at_registration_by_a_non_clinical_role_are_not_stored(request, login, role):
    response = login(request.getfixturevalue(role)).post(reverse("patients:create"), {**NEW_PATIENT, **RISK_POST})
    assert response.status_code == 302
    patient = Patient.objects.get(family_name="Quintero")
    assert risk_values(patient) == {
        "smoking_status": "unknown", "height_cm": None, "weight_kg": None, "work_status": "unknown",
        "workers_comp_claim": False, "opioid_use_at_intake": False, "history_of_depression": False,
        "history_of_anxiety": False,
    }  # fmt: skip


@pytest.mark.parametrize("role", CLINICAL_EDITORS)
def test_a_clinician_sets_risk_factors_on_the_edit_form(request, login, role, patient_a):
    url = reverse("patients:edit", args=[patient_a.public_id])
    response = login(request.getfixturevalue(role)).post(url, {**demographics(patient_a), **RISK_POST})
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.is_smoker and patient_a.opioid_use_at_intake and patient_a.history_of_anxiety
    assert patient_a.weight_kg == Decimal("110")


# --- Risk factors: the services refuse ----------------------------------------------------------------


@pytest.mark.parametrize("role", NON_CLINICAL)
@pytest.mark.parametrize(
    "change",
    [
        {"smoking_status": "current"}, {"height_cm": Decimal("180")}, {"weight_kg": Decimal("120")},
        {"work_status": "disability"}, {"workers_comp_claim": True}, {"opioid_use_at_intake": True},
        {"history_of_depression": True}, {"history_of_anxiety": True},
    ],
    ids=lambda change: next(iter(change)),
)  # fmt: skip
def test_the_update_service_refuses_a_risk_factor_change_by_a_non_clinical_role(request, role, change, patient_a):
    before = risk_values(patient_a)
    with pytest.raises(PermissionDenied):
        services.patient_update(patient=patient_a, by=request.getfixturevalue(role), given_name="Anna", **change)
    assert risk_values(patient_a) == before
    assert Patient.objects.get(pk=patient_a.pk).given_name != "Anna"  # nothing of the call was saved


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_update_service_lets_a_non_clinical_role_pass_the_stored_risk_factors_back(request, role, risky_patient):
    stored = risk_values(risky_patient)
    services.patient_update(patient=risky_patient, by=request.getfixturevalue(role), given_name="Anna", **stored)
    risky_patient.refresh_from_db()
    assert risky_patient.given_name == "Anna" and risk_values(risky_patient) == stored


def test_the_update_service_compares_with_the_stored_row_not_the_instance(frontdesk_a, patient_a):
    # A form may already have put its values on the instance: that is no licence to save them.
    patient_a.history_of_depression = True
    with pytest.raises(PermissionDenied):
        services.patient_update(patient=patient_a, by=frontdesk_a, history_of_depression=True)
    assert risk_values(patient_a)["history_of_depression"] is False


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_registration_service_refuses_risk_factors_from_a_non_clinical_role(request, role, clinic_a):
    with pytest.raises(PermissionDenied):
        services.patient_register(
            clinic=clinic_a, by=request.getfixturevalue(role), given_name="Rosa", family_name="Quintero",
            date_of_birth=datetime.date(1958, 6, 2), opioid_use_at_intake=True,
        )  # fmt: skip
    assert not Patient.objects.filter(family_name="Quintero").exists()


def test_the_services_refuse_a_risk_factor_change_by_a_clinician_of_another_clinic(outsider, patient_a):
    with pytest.raises(PermissionDenied):
        services.patient_update(patient=patient_a, by=outsider, smoking_status="current")
    assert risk_values(patient_a)["smoking_status"] == "unknown"


@pytest.mark.parametrize("role", CLINICIANS)
def test_the_update_service_accepts_risk_factors_from_a_clinician(request, role, patient_a):
    services.patient_update(
        patient=patient_a, by=request.getfixturevalue(role), smoking_status="current", weight_kg=Decimal("90")
    )
    assert risk_values(patient_a)["smoking_status"] == "current"


# --- Diagnoses: physicians only ------------------------------------------------------------------------


@pytest.fixture
def diagnosis(patient_a: Any) -> Diagnosis:
    return DiagnosisFactory.create(patient=patient_a, code="M96.1", is_primary=False)


M54 = {"code": "M54.16", "is_primary": "on", "diagnosed_on": "2024-05-01", "notes": ""}


@pytest.mark.parametrize(("page", "of"), [("diagnosis_create", "patient_a"), ("diagnosis_edit", "diagnosis")])
@pytest.mark.parametrize("role", NOT_PHYSICIANS)
def test_only_a_physician_opens_a_diagnosis_form_to_add_or_edit(request, login, role, page, of):
    url = reverse(f"patients:{page}", args=[request.getfixturevalue(of).public_id])
    assert login(request.getfixturevalue(role)).get(url).status_code == 403


@pytest.mark.parametrize("role", NOT_PHYSICIANS)
def test_a_diagnosis_posted_by_anyone_but_a_physician_is_refused(request, login, role, patient_a):
    url = reverse("patients:diagnosis_create", args=[patient_a.public_id])
    assert login(request.getfixturevalue(role)).post(url, M54).status_code == 403
    assert not Diagnosis.objects.exists()


@pytest.mark.parametrize("role", NOT_PHYSICIANS)
def test_making_a_diagnosis_primary_by_anyone_but_a_physician_is_refused(request, login, role, diagnosis):
    url = reverse("patients:diagnosis_edit", args=[diagnosis.public_id])
    data = {"code": "M96.1", "is_primary": "on", "diagnosed_on": diagnosis.diagnosed_on.isoformat(), "notes": ""}
    assert login(request.getfixturevalue(role)).post(url, data).status_code == 403
    diagnosis.refresh_from_db()
    assert diagnosis.is_primary is False


def test_a_physician_adds_a_primary_diagnosis_and_the_old_primary_steps_down(login, physician_a, patient_a):
    old = DiagnosisFactory.create(patient=patient_a, code="M96.1", is_primary=True)
    url = reverse("patients:diagnosis_create", args=[patient_a.public_id])
    assert login(physician_a).post(url, M54).status_code == 302
    old.refresh_from_db()
    assert old.is_primary is False
    assert Diagnosis.objects.get(code="M54.16").is_primary is True


def test_a_physician_makes_a_diagnosis_primary(login, physician_a, diagnosis):
    url = reverse("patients:diagnosis_edit", args=[diagnosis.public_id])
    data = {"code": "M96.1", "is_primary": "on", "diagnosed_on": diagnosis.diagnosed_on.isoformat(), "notes": ""}
    assert login(physician_a).post(url, data).status_code == 302
    diagnosis.refresh_from_db()
    assert diagnosis.is_primary is True


@pytest.mark.parametrize("role", NOT_PHYSICIANS)
def test_the_add_service_refuses_a_diagnosis_from_anyone_but_a_physician(request, role, patient_a):
    with pytest.raises(PermissionDenied):
        services.diagnosis_add(patient=patient_a, by=request.getfixturevalue(role), code="M96.1")
    assert not Diagnosis.objects.exists()


@pytest.mark.parametrize("role", NOT_PHYSICIANS)
def test_the_update_service_refuses_to_make_a_diagnosis_primary_for_anyone_but_a_physician(request, role, diagnosis):
    with pytest.raises(PermissionDenied):
        services.diagnosis_update(diagnosis=diagnosis, by=request.getfixturevalue(role), is_primary=True)
    assert Diagnosis.objects.get(pk=diagnosis.pk).is_primary is False


def test_the_add_service_refuses_a_physician_of_another_clinic(outsider, patient_a):
    with pytest.raises(PermissionDenied):
        services.diagnosis_add(patient=patient_a, by=outsider, code="M96.1")
    assert not Diagnosis.objects.exists()


@pytest.mark.parametrize("role", ["therapist_a", "psychologist_a", "nurse_a"])
def test_the_chart_shows_other_clinicians_the_diagnoses_without_add_or_edit(request, login, role, diagnosis):
    html = login(request.getfixturevalue(role)).get(reverse("patients:chart", args=[diagnosis.patient.public_id]))
    section = html.content.decode().split('data-testid="section-diagnoses"')[1].split("</section>")[0]
    assert "M96.1" in section
    assert reverse("patients:diagnosis_create", args=[diagnosis.patient.public_id]) not in section
    assert reverse("patients:diagnosis_edit", args=[diagnosis.public_id]) not in section


def test_the_chart_shows_a_physician_the_add_and_edit_buttons(login, physician_a, diagnosis):
    html = login(physician_a).get(reverse("patients:chart", args=[diagnosis.patient.public_id])).content.decode()
    section = html.split('data-testid="section-diagnoses"')[1].split("</section>")[0]
    assert reverse("patients:diagnosis_create", args=[diagnosis.patient.public_id]) in section
    assert reverse("patients:diagnosis_edit", args=[diagnosis.public_id]) in section


@pytest.mark.parametrize("role", NOT_PHYSICIANS)
def test_the_code_finder_answers_physicians_only(request, login, role):
    assert login(request.getfixturevalue(role)).get(reverse("patients:icd_search"), {"q": "M96"}).status_code == 403
