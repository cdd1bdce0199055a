"""A member of several clinics who opens or submits a record of another of their clinics."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from clinics.roles import Role
from clinics.tests.factories import MembershipFactory, member
from patients.models import PriorSurgery

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(clinic_a: Any, clinic_b: Any) -> Any:
    """A physician of clinic A and of clinic B."""
    user = member(clinic_a, Role.PHYSICIAN, "physician.both")
    MembershipFactory(user=user, clinic=clinic_b, role=Role.PHYSICIAN)
    return user


def _working_at(client: Any, clinic: Any) -> Any:
    client.post(reverse("switch_clinic"), {"clinic": str(clinic.public_id)})
    return client


def test_a_member_of_both_clinics_is_offered_to_switch_not_a_404(
    login: Any, both: Any, patient_a: Any, clinic_b: Any
) -> None:
    client = _working_at(login(both), clinic_b)
    chart = reverse("patients:chart", args=[patient_a.public_id])
    response = client.get(chart)
    assert response.status_code == 409
    html = response.content.decode()
    assert "This record is at Clinic A." in html and "Switch to Clinic A" in html
    assert patient_a.family_name not in html  # nothing of the record before the switch

    switched = client.post(
        reverse("switch_clinic"),
        {"clinic": str(patient_a.clinic.public_id), "next": chart, "stay": "1"},
    )
    assert switched.status_code == 302 and switched["Location"] == chart
    assert client.get(chart).status_code == 200


def test_what_was_typed_at_the_other_clinic_is_kept_and_sent_after_switching(
    login: Any, both: Any, patient_a: Any, clinic_b: Any
) -> None:
    client = _working_at(login(both), clinic_b)
    url = reverse("patients:surgery_create", args=[patient_a.public_id])
    typed = {"date_year": "2016", "procedure": "discectomy", "surgeon": "Dr Ortiz", "date_month": "", "date_day": ""}
    response = client.post(url, typed)
    assert response.status_code == 409
    assert not PriorSurgery.objects.exists()
    resume = response.content.decode().split('name="resume" value="')[1].split('"')[0]

    page = client.post(
        reverse("switch_clinic"),
        {"clinic": str(patient_a.clinic.public_id), "next": url, "stay": "1", "resume": resume},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Dr Ortiz"' in html and f'action="{url}"' in html
    assert client.post(url, typed).status_code == 302
    assert PriorSurgery.objects.get().surgeon == "Dr Ortiz"
    assert "pending_posts" not in client.session or resume not in client.session["pending_posts"]


def test_the_outsider_still_gets_a_plain_404(login: Any, outsider: Any, patient_a: Any) -> None:
    client = login(outsider)
    response = client.get(reverse("patients:chart", args=[patient_a.public_id]))
    assert response.status_code == 404
    assert b"Clinic A" not in response.content
    post = client.post(reverse("patients:surgery_create", args=[patient_a.public_id]), {"date_year": "2016"})
    assert post.status_code == 404
    assert "pending_posts" not in client.session
