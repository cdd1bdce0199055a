"""Registration: likely duplicates, MRNs assigned per clinic, phone numbers and contact channels."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import all_at_once
from patients import services
from patients.models import Patient, PatientNumbering
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

FORM = {
    "given_name": "Margaret", "family_name": "Hughes", "mrn": "", "date_of_birth": "1961-03-14", "sex": "female",
    "preferred_channel": "none", "preferred_language": "en", "status": "active", "status_date": "2020-01-01",
    "smoking_status": "unknown", "work_status": "unknown",
}  # fmt: skip


def _register(clinic: Any, by: Any, **fields: Any) -> Patient:
    values = {"given_name": "Ann", "family_name": "Lee", "date_of_birth": datetime.date(1970, 1, 1), **fields}
    return services.patient_register(clinic=clinic, by=by, **values)


# --- Duplicates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "family", "why"),
    [
        ("Margaret", "HUGHES", "same family name, other case"),
        ("Maggie", "Hughes", "same family name"),
        ("Margaret", "Hughs", "same initial, family name with a typo"),
        ("Hughes", "Margaret", "given and family swapped"),
    ],
)
def test_registration_warns_of_a_likely_duplicate_and_needs_confirmation(
    login: Any, frontdesk_a: Any, clinic_a: Any, given: str, family: str, why: str
) -> None:
    existing = PatientFactory.create(
        clinic=clinic_a, given_name="Margaret", family_name="Hughes", date_of_birth=datetime.date(1961, 3, 14)
    )
    client = login(frontdesk_a)
    response = client.post(reverse("patients:create"), {**FORM, "given_name": given, "family_name": family})
    assert response.status_code == 200, why
    html = response.content.decode()
    warning = html.split('data-testid="duplicates"')[1].split("</div>\n  {% endif %}")[0]
    assert existing.mrn in warning and "1961-03-14" in warning, why
    assert html.count("This may be a patient already registered.") == 1
    assert Patient.objects.count() == 1

    confirmed = client.post(
        reverse("patients:create"), {**FORM, "given_name": given, "family_name": family, "confirm_not_duplicate": "on"}
    )
    assert confirmed.status_code == 302, why
    assert Patient.objects.count() == 2


def test_a_different_person_born_the_same_day_is_not_a_duplicate(login: Any, frontdesk_a: Any, clinic_a: Any) -> None:
    PatientFactory.create(
        clinic=clinic_a, given_name="Oskar", family_name="Berg", date_of_birth=datetime.date(1961, 3, 14)
    )
    response = login(frontdesk_a).post(reverse("patients:create"), FORM)
    assert response.status_code == 302
    assert Patient.objects.count() == 2


def test_the_same_phone_or_email_is_a_likely_duplicate(login: Any, frontdesk_a: Any, clinic_a: Any) -> None:
    other = PatientFactory.create(
        clinic=clinic_a, given_name="Oskar", family_name="Berg", email="shared@example.org",
        mobile_phone="+12015550199", date_of_birth=datetime.date(1950, 1, 1),
    )  # fmt: skip
    client = login(frontdesk_a)
    for extra in ({"email": "Shared@Example.org"}, {"mobile_phone": "(201) 555-0199"}):
        response = client.post(reverse("patients:create"), {**FORM, **extra})
        assert response.status_code == 200, extra
        assert other.mrn in response.content.decode().split('data-testid="duplicates"')[1]


def test_the_duplicate_warning_never_shows_another_clinics_patient(login: Any, frontdesk_a: Any, clinic_b: Any) -> None:
    PatientFactory.create(
        clinic=clinic_b, given_name="Margaret", family_name="Hughes", date_of_birth=datetime.date(1961, 3, 14)
    )
    response = login(frontdesk_a).post(reverse("patients:create"), FORM)
    assert response.status_code == 302


# --- MRNs -----------------------------------------------------------------------------------------


def test_an_empty_mrn_gets_the_clinics_next_number_per_clinic(clinic_a: Any, clinic_b: Any, frontdesk_a: Any) -> None:
    PatientNumbering.objects.create(clinic=clinic_b, prefix="S-")
    a1 = _register(clinic_a, frontdesk_a)
    a2 = _register(clinic_a, frontdesk_a, given_name="Bo")
    b1 = _register(clinic_b, frontdesk_a)
    assert (a1.mrn, a2.mrn, b1.mrn) == ("000001", "000002", "S-000001")


def test_a_clinic_with_its_own_numbering_types_the_mrn_and_assignment_skips_taken_numbers(
    clinic_a: Any, frontdesk_a: Any
) -> None:
    own = _register(clinic_a, frontdesk_a, mrn=" 000002 ")
    assert own.mrn == "000002"
    first = _register(clinic_a, frontdesk_a, given_name="B")
    second = _register(clinic_a, frontdesk_a, given_name="C")
    assert (first.mrn, second.mrn) == ("000001", "000003")


def test_a_taken_mrn_is_refused_with_one_clear_message(login: Any, frontdesk_a: Any, clinic_a: Any) -> None:
    PatientFactory.create(clinic=clinic_a, mrn="X-7", date_of_birth=datetime.date(1950, 1, 1))
    response = login(frontdesk_a).post(reverse("patients:create"), {**FORM, "mrn": "X-7"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("Another patient of this clinic has this MRN.") == 1
    assert "already exists" not in html


def test_the_form_leaves_an_empty_mrn_to_the_clinics_numbering(login: Any, frontdesk_a: Any) -> None:
    response = login(frontdesk_a).post(reverse("patients:create"), FORM)
    assert response.status_code == 302
    assert Patient.objects.get().mrn == "000001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_mrns(clinic_a: Any, frontdesk_a: Any) -> None:
    """Eight registrations at once on PostgreSQL: the row lock hands out eight distinct numbers."""

    def register(i: int) -> Patient:
        return _register(clinic_a, frontdesk_a, given_name=f"P{i}", family_name=f"Q{i}")

    errors = [r for r in all_at_once(8, register) if isinstance(r, Exception)]
    assert errors == []
    mrns = sorted(Patient.objects.filter(clinic=clinic_a).values_list("mrn", flat=True))
    assert mrns == [f"{n:06d}" for n in range(1, 9)]


# --- Phone numbers and channels -------------------------------------------------------------------


def test_phone_numbers_are_stored_in_e164(clinic_a: Any, frontdesk_a: Any, settings: Any) -> None:
    settings.PHONENUMBER_DEFAULT_REGION = "US"
    patient = _register(clinic_a, frontdesk_a, mobile_phone="(201) 555-0123")
    patient.refresh_from_db()
    assert str(patient.mobile_phone) == "+12015550123"
    abroad = _register(clinic_a, frontdesk_a, given_name="Sven", mobile_phone="+46 70 123 45 67")
    abroad.refresh_from_db()
    assert str(abroad.mobile_phone) == "+46701234567"


def test_an_invalid_phone_number_is_refused(clinic_a: Any, frontdesk_a: Any) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _register(clinic_a, frontdesk_a, mobile_phone="555 010 0123")
    assert list(excinfo.value.message_dict) == ["mobile_phone"]
    assert len(excinfo.value.message_dict["mobile_phone"]) == 1


def test_sms_as_preferred_channel_needs_a_mobile_number_and_consent(clinic_a: Any, frontdesk_a: Any) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _register(clinic_a, frontdesk_a, preferred_channel="sms", mobile_phone="+46701234567")
    assert excinfo.value.message_dict == {
        "preferred_channel": ["SMS as the preferred channel needs a mobile number and the patient's consent to SMS."]
    }
    with pytest.raises(ValidationError) as excinfo:  # a Swedish landline cannot receive SMS
        _register(clinic_a, frontdesk_a, preferred_channel="sms", consent_sms=True, mobile_phone="+46812345678")
    assert excinfo.value.message_dict["mobile_phone"] == ["This is a landline number: SMS needs a mobile number."]
    patient = _register(clinic_a, frontdesk_a, preferred_channel="sms", consent_sms=True, mobile_phone="+46701234567")
    assert patient.preferred_channel == "sms"


def test_email_as_preferred_channel_needs_an_email_and_consent(clinic_a: Any, frontdesk_a: Any) -> None:
    message = "Email as the preferred channel needs an email address and the patient's consent to email."
    with pytest.raises(ValidationError) as excinfo:
        _register(clinic_a, frontdesk_a, preferred_channel="email", email="ann@example.org")
    assert excinfo.value.message_dict == {"preferred_channel": [message]}
    with pytest.raises(ValidationError) as excinfo:
        _register(clinic_a, frontdesk_a, preferred_channel="email")
    assert excinfo.value.message_dict == {"preferred_channel": [message]}
    ok = _register(clinic_a, frontdesk_a, preferred_channel="email", email="ann@example.org", consent_email=True)
    assert ok.preferred_channel == "email"


def test_the_form_shows_the_channel_rule_once(login: Any, frontdesk_a: Any) -> None:
    response = login(frontdesk_a).post(reverse("patients:create"), {**FORM, "preferred_channel": "sms"})
    assert response.status_code == 200
    assert response.content.decode().count("SMS as the preferred channel needs a mobile number") == 1
