"""Finding things: ICD-10-CM codes by words, patients by "Family, Given" and part of an MRN;
messages said once and plainly."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from patients import icd, services
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_radiculopathy_offers_lumbar_radiculopathy_and_disc_codes_billable_only() -> None:
    codes = [code for code, _ in icd.search("radiculopathy")]
    assert {"M54.16", "M54.17", "M51.16", "M51.17"} <= set(codes)
    assert any(c.startswith("M54.1") for c in codes if c not in icd.COMMON_FBSS_CODES)
    assert "M54.1" not in codes  # a heading, not billable
    assert all(icd._icd.is_leaf(c) for c in codes)


def test_words_match_in_any_order_and_without_accents_or_case() -> None:
    assert [c for c, _ in icd.search("LUMBAR radiculopathy")][:2] == ["M54.16", "M51.16"]
    assert "M96.1" in [c for c, _ in icd.search("postlaminectomy")]


def test_m96_1_comes_first_when_it_matches_and_when_nothing_is_typed() -> None:
    assert icd.search("syndrome")[0][0] == "M96.1"
    assert icd.search("")[0][0] == "M96.1"


def test_a_code_is_found_by_its_start() -> None:
    codes = [c for c, _ in icd.search("m54.1")]
    assert codes and all(c.startswith("M54.1") for c in codes)


def test_the_code_finder_answers_clinicians_only(login: Any, physician_a: Any, frontdesk_a: Any) -> None:
    url = reverse("patients:icd_search")
    data = login(physician_a).get(url, {"q": "radiculopathy lumbar"}).json()
    assert data["results"][0] == {"code": "M54.16", "description": "Radiculopathy, lumbar region"}
    assert login(frontdesk_a).get(url, {"q": "x"}).status_code == 403


def test_the_diagnosis_form_finds_codes_by_words_without_javascript(
    login: Any, physician_a: Any, patient_a: Any
) -> None:
    url = reverse("patients:diagnosis_create", args=[patient_a.public_id])
    client = login(physician_a)
    html = client.post(url, {"find": "radiculopathy"}).content.decode()
    matches = html.split('data-testid="icd-matches"')[1].split("</ul>")[0]
    assert "M51.16" in matches and "M54.16" in matches
    assert '<option value="M51.16">' in html
    assert "This field is required." not in html  # the finder saves nothing and refuses nothing


def test_an_unknown_code_is_said_once(login: Any, physician_a: Any, patient_a: Any) -> None:
    url = reverse("patients:diagnosis_create", args=[patient_a.public_id])
    html = login(physician_a).post(url, {"code": "Q99.999", "diagnosed_on": "2024-01-01"}).content.decode()
    assert html.count("This is not an ICD-10-CM code.") == 1


def test_a_diagnosis_already_on_the_record_is_said_once(login: Any, physician_a: Any, patient_a: Any) -> None:
    services.diagnosis_add(patient=patient_a, by=physician_a, code="M96.1")
    url = reverse("patients:diagnosis_create", args=[patient_a.public_id])
    html = login(physician_a).post(url, {"code": "M96.1", "diagnosed_on": "2024-01-01"}).content.decode()
    assert html.count("This diagnosis is already on the patient&#x27;s record.") == 1
    assert "already exists" not in html


SURGERY = {"procedure": "discectomy", "date_month": "", "date_day": ""}


@pytest.mark.parametrize(
    ("year", "month", "day", "message"),
    [
        ("3000", "", "", "The surgery date cannot be in the future."),
        ("1950", "", "", "The surgery date cannot be before the patient&#x27;s date of birth."),
        ("-5", "", "", "Enter the year as four digits, for example 2014."),
        ("2015", "2", "30", "This is not a real date."),
        ("2015", "", "40", "Enter the day of the month, 1 to 31."),
    ],
)
def test_a_wrong_surgery_date_gets_one_plain_message(
    login: Any, physician_a: Any, clinic_a: Any, year: str, month: str, day: str, message: str
) -> None:
    patient = PatientFactory.create(clinic=clinic_a, date_of_birth=datetime.date(1970, 5, 20))
    url = reverse("patients:surgery_create", args=[patient.public_id])
    html = login(physician_a).post(url, {**SURGERY, "date_year": year, "date_month": month, "date_day": day})
    text = html.content.decode()
    assert html.status_code == 200
    assert text.count(message) == 1
    errors = text.count('class="invalid-feedback')
    assert errors == 1, f"{errors} messages for one wrong date"
    assert "Ensure this value" not in text


def test_an_evaluation_more_than_120_years_ago_is_refused(physician_a: Any, clinic_a: Any) -> None:
    from django.core.exceptions import ValidationError

    patient = PatientFactory.build(clinic=clinic_a, date_of_birth=datetime.date(1970, 5, 20))
    patient.date_of_birth = datetime.date(1900, 1, 1)  # an older record typed wrong
    patient.save()
    with pytest.raises(ValidationError) as excinfo:
        services.evaluation_record(
            patient=patient, by=physician_a, kind="psych", performed_on=datetime.date(1901, 1, 1)
        )
    assert excinfo.value.message_dict == {"performed_on": ["The date is more than 120 years ago: check the year."]}


# --- Patient search -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Hughes, Margaret", "hughes,margaret", "Margaret Hughes", "0042", "n-00"])
def test_patients_are_found_by_family_comma_given_and_by_part_of_an_mrn(
    login: Any, frontdesk_a: Any, clinic_a: Any, text: str
) -> None:
    PatientFactory.create(clinic=clinic_a, given_name="Margaret", family_name="Hughes", mrn="N-000421")
    PatientFactory.create(clinic=clinic_a, given_name="Oskar", family_name="Berg", mrn="B-7")
    client = login(frontdesk_a)
    client.post(reverse("patients:list"), {"text": text})
    html = client.get(reverse("patients:list")).content.decode()
    assert "Hughes" in html and "Berg" not in html, text


def test_the_front_desk_lists_show_mrn_and_date_of_birth(login: Any, frontdesk_a: Any, clinic_a: Any) -> None:
    PatientFactory.create(
        clinic=clinic_a, family_name="Hughes", mrn="N-000421", date_of_birth=datetime.date(1961, 3, 14)
    )
    client = login(frontdesk_a)
    home = client.get("/").content.decode()
    listing = client.get(reverse("patients:list")).content.decode()
    for html in (home, listing):
        assert "N-000421" in html and "1961-03-14" in html
