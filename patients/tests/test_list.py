"""The patient list: search by name, MRN and birth date, filters, order, pages, fixed query count."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinics.roles import Role
from clinics.tests.factories import member
from patients.tests.factories import PatientFactory, PriorSurgeryFactory

pytestmark = pytest.mark.django_db

LIST = reverse("patients:list")


def names(response: Any) -> list[str]:
    return [f"{p.family_name}, {p.given_name}" for p in response.context["page"]]


@pytest.fixture
def people(clinic_a: Any, clinic_b: Any, physician_a: Any) -> dict[str, Any]:
    other_physician = member(clinic_a, Role.PHYSICIAN, "physician.a2")
    return {
        "jose": PatientFactory.create(clinic=clinic_a, given_name="José", family_name="Álvarez", mrn="A-100",
                               date_of_birth=datetime.date(1974, 9, 2), primary_physician=physician_a),
        "muller": PatientFactory.create(clinic=clinic_a, given_name="Anna", family_name="Müller", mrn="A-200",
                                 date_of_birth=datetime.date(1980, 1, 1), primary_physician=other_physician,
                                 status="discharged"),
        "joseph": PatientFactory.create(clinic=clinic_a, given_name="Joseph", family_name="Baker", mrn="A-300",
                                 date_of_birth=datetime.date(1990, 5, 5), primary_physician=physician_a),
        "elsewhere": PatientFactory.create(clinic=clinic_b, given_name="José", family_name="Álvarez", mrn="B-100"),
        "other_physician": other_physician,
    }  # fmt: skip


def search(client: Any, **terms: str) -> Any:
    response = client.post(LIST, terms)
    assert response.status_code == 302
    assert all(value not in response["Location"] for value in terms.values() if value)
    return client.get(response["Location"])


@pytest.mark.parametrize("text", ["jose alvarez", "ÁLVAREZ", "alvarez jose", "álv"])
def test_it_finds_names_whatever_the_case_and_accents(login, physician_a, people, text):
    assert names(search(login(physician_a), text=text)) == ["Álvarez, José"]


def test_it_finds_by_mrn_and_by_date_of_birth(login, physician_a, people):
    client = login(physician_a)
    assert names(search(client, text="a-200")) == ["Müller, Anna"]
    assert names(search(client, text="", date_of_birth="1990-05-05")) == ["Baker, Joseph"]
    assert names(search(client, text="jos", date_of_birth="1990-05-05")) == ["Baker, Joseph"]


def test_search_terms_stay_out_of_urls_and_clear(login, physician_a, people):
    client = login(physician_a)
    response = client.post(LIST + "?status=active", {"text": "Müller"})
    assert response["Location"] == LIST + "?status=active"
    client.post(LIST, {"text": "", "clear": "1"})
    assert len(names(client.get(LIST))) == 3


def test_it_filters_by_status_and_physician(login, physician_a, people):
    client = login(physician_a)
    assert names(client.get(LIST, {"status": "discharged"})) == ["Müller, Anna"]
    assert names(client.get(LIST, {"physician": physician_a.pk})) == ["Álvarez, José", "Baker, Joseph"]
    # A physician of another clinic is not a choice: the filter is ignored, not an error.
    assert client.get(LIST, {"physician": 999999}).status_code == 200


def test_it_sorts_and_counts_prior_surgeries(login, physician_a, people):
    PriorSurgeryFactory.create_batch(2, patient=people["joseph"])
    PriorSurgeryFactory.create(patient=people["muller"])
    client = login(physician_a)
    response = client.get(LIST, {"sort": "surgeries"})
    assert names(response) == ["Baker, Joseph", "Müller, Anna", "Álvarez, José"]
    assert [p.surgery_count for p in response.context["page"]] == [2, 1, 0]
    assert names(client.get(LIST, {"sort": "-name"})) == ["Müller, Anna", "Baker, Joseph", "Álvarez, José"]
    assert names(client.get(LIST, {"sort": "dob"}))[0] == "Álvarez, José"


def test_the_front_desk_sees_no_surgery_counts(login, frontdesk_a, people):
    response = login(frontdesk_a).get(LIST)
    assert 'data-testid="surgery-count"' not in response.content.decode()
    assert "surgeries" not in dict(response.context["filters"].fields["sort"].choices)


def test_the_list_pages_at_a_fixed_number_of_queries(login, clinic_a, physician_a, django_assert_max_num_queries):
    client = login(physician_a)
    for i in range(60):
        patient = PatientFactory.create(clinic=clinic_a, primary_physician=physician_a, family_name=f"Family{i:03d}")
        PriorSurgeryFactory.create_batch(i % 3, patient=patient)
    counts = []
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST, {"sort": "surgeries", "physician": physician_a.pk, "page": page})
        counts.append(len(ctx.captured_queries))
        assert response.status_code == 200
    assert len(counts) == 3 and len(set(counts)) == 1
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"page": 2})
    assert len(response.context["page"]) == 25
    assert "page=3" in response.content.decode()


def test_pages_keep_the_filters(login, clinic_a, physician_a):
    for i in range(30):
        PatientFactory.create(clinic=clinic_a, primary_physician=physician_a, family_name=f"F{i:02d}")
    html = login(physician_a).get(LIST, {"status": "active", "sort": "-name"}).content.decode()
    assert "?status=active&amp;sort=-name&amp;page=2" in html


def _search_queries(client: Any, text: str) -> tuple[int, str]:
    """Queries of a whole search: the POST of the terms and the list it redirects to."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(LIST, {"text": text, "date_of_birth": ""})
        assert response.status_code == 302
        response = client.get(response["Location"])
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_list_and_a_search_cost_the_same_at_n_and_3n_patients(
    login, clinic_a, physician_a, django_assert_max_num_queries
):
    client = login(physician_a)

    def add(start: int, n: int) -> None:
        for i in range(start, start + n):
            patient = PatientFactory.create(clinic=clinic_a, primary_physician=physician_a, family_name=f"Jensen{i:03d}")
            PriorSurgeryFactory.create_batch(i % 3, patient=patient)

    add(0, 30)
    list_n = len_queries(client)
    search_n, _ = _search_queries(client, "jensen")
    add(30, 60)
    assert len_queries(client) == list_n
    with django_assert_max_num_queries(19):
        search_3n, html = _search_queries(client, "jensen")
    assert search_3n == search_n
    assert "90 patients" in html


def len_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST, {"sort": "surgeries"}).status_code == 200
    return len(ctx.captured_queries)
