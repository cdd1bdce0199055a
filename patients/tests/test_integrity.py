"""Record integrity: records entered in error, status changes and their consequences."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from clinics.records import mark_entered_in_error
from clinics.roles import Role
from clinics.tests.factories import member
from patients import lifecycle, selectors, services
from patients.choices import PatientStatus
from patients.models import Diagnosis, Evaluation, PriorSurgery
from patients.panels import _my_patients, _search
from patients.tests.factories import DiagnosisFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(clinic_a: Any, physician_a: Any) -> Any:
    return PatientFactory.create(
        clinic=clinic_a, primary_physician=physician_a, date_of_birth=datetime.date(1970, 5, 20)
    )


def _surgery(patient: Any, by: Any, year: int = 2015) -> PriorSurgery:
    return services.surgery_record(
        patient=patient, by=by, date_year=year, procedure="fusion", fusion_approach="tlif", levels=["L4", "L5"]
    )


def test_it_records_the_author_of_new_records(patient: Any, nurse_a: Any, physician_a: Any) -> None:
    surgery = _surgery(patient, nurse_a)
    evaluation = services.evaluation_record(
        patient=patient, by=nurse_a, kind="psych", performed_on=datetime.date(2024, 1, 5)
    )
    diagnosis = services.diagnosis_add(patient=patient, by=physician_a, code="M96.1")  # physicians only
    assert surgery.created_by == evaluation.created_by == nurse_a
    assert diagnosis.created_by == physician_a


def test_a_surgery_entered_in_error_leaves_the_chart_and_the_count_but_stays_in_history(
    patient: Any, nurse_a: Any, clinic_a: Any
) -> None:
    kept = _surgery(patient, nurse_a, 2012)
    wrong = _surgery(patient, nurse_a, 2016)
    assert [getattr(p, "surgery_count") for p in selectors.search_patients(clinic_a)] == [2]  # noqa: B009

    mark_entered_in_error(record=wrong, by=nurse_a, reason="Wrong patient")

    assert selectors.surgeries_of(patient) == [kept]
    assert [getattr(p, "surgery_count") for p in selectors.search_patients(clinic_a)] == [1]  # noqa: B009
    assert PriorSurgery.objects.filter(pk=wrong.pk).exists()  # nothing deleted
    last = wrong.history.first()
    assert last is not None
    assert last.entered_in_error_reason == "Wrong patient"
    assert last.history_user == nurse_a


def test_a_physician_may_mark_anyones_record_but_another_clinician_may_not(
    patient: Any, nurse_a: Any, therapist_a: Any, physician_a: Any
) -> None:
    surgery = _surgery(patient, nurse_a)
    with pytest.raises(PermissionDenied):
        mark_entered_in_error(record=surgery, by=therapist_a, reason="Not mine")
    surgery.refresh_from_db()
    assert not surgery.is_entered_in_error
    mark_entered_in_error(record=surgery, by=physician_a, reason="Duplicate entry")
    assert surgery.entered_in_error_by == physician_a


def test_an_outsider_physician_may_not_mark_a_record(patient: Any, nurse_a: Any, outsider: Any) -> None:
    surgery = _surgery(patient, nurse_a)
    with pytest.raises(PermissionDenied):
        mark_entered_in_error(record=surgery, by=outsider, reason="x")


def test_marking_needs_a_reason_and_happens_once(patient: Any, physician_a: Any) -> None:
    diagnosis = services.diagnosis_add(patient=patient, by=physician_a, code="M96.1", is_primary=True)
    with pytest.raises(ValidationError) as excinfo:
        mark_entered_in_error(record=diagnosis, by=physician_a, reason="   ")
    assert excinfo.value.message_dict == {"entered_in_error_reason": ["Say why the record was entered in error."]}
    mark_entered_in_error(record=diagnosis, by=physician_a, reason="Wrong code")
    with pytest.raises(ValidationError):
        mark_entered_in_error(record=diagnosis, by=physician_a, reason="again")


def test_a_diagnosis_entered_in_error_frees_its_code_and_the_primary(patient: Any, physician_a: Any) -> None:
    wrong = services.diagnosis_add(patient=patient, by=physician_a, code="M96.1", is_primary=True)
    mark_entered_in_error(record=wrong, by=physician_a, reason="Entered on the wrong patient")
    again = services.diagnosis_add(patient=patient, by=physician_a, code="M96.1", is_primary=True)
    assert selectors.diagnoses_of(patient) == [again]
    assert Diagnosis.objects.filter(patient=patient).count() == 2


def test_an_evaluation_entered_in_error_leaves_the_chart(patient: Any, physician_a: Any) -> None:
    evaluation = services.evaluation_record(
        patient=patient, by=physician_a, kind="psych", performed_on=datetime.date(2024, 1, 5)
    )
    mark_entered_in_error(record=evaluation, by=physician_a, reason="Another patient's scores")
    assert selectors.evaluations_of(patient) == []
    assert Evaluation.objects.entered_in_error().get() == evaluation


# --- Status changes ------------------------------------------------------------------------------


def test_a_status_change_calls_the_listeners_in_the_same_transaction(patient: Any, physician_a: Any) -> None:
    seen: list[lifecycle.StatusChange] = []

    def listener(change: lifecycle.StatusChange) -> None:
        seen.append(change)
        if change.new_status == PatientStatus.DISCHARGED:
            raise ValidationError("refused by a listener")

    lifecycle.register_status_listener(listener)
    try:
        services.patient_change_status(
            patient=patient, status=PatientStatus.DECEASED, by=physician_a, on=datetime.date(2024, 3, 1)
        )
        assert [(c.old_status, c.new_status, c.on) for c in seen] == [("active", "deceased", datetime.date(2024, 3, 1))]
        patient.refresh_from_db()
        assert patient.status == PatientStatus.DECEASED
        with pytest.raises(ValidationError):
            services.patient_change_status(patient=patient, status=PatientStatus.DISCHARGED, by=physician_a)
        patient.refresh_from_db()
        assert patient.status == PatientStatus.DECEASED  # the listener's refusal rolled it back
    finally:
        lifecycle._listeners.remove(listener)


def test_an_unchanged_status_calls_no_listener(patient: Any, physician_a: Any) -> None:
    seen: list[Any] = []
    lifecycle.register_status_listener(seen.append)
    try:
        services.patient_update(patient=patient, by=physician_a, given_name="Other")
    finally:
        lifecycle._listeners.remove(seen.append)
    assert seen == []


def test_deceased_and_discharged_patients_leave_the_work_lists(
    clinic_a: Any, physician_a: Any, frontdesk_a: Any
) -> None:
    alive = PatientFactory.create(clinic=clinic_a, primary_physician=physician_a)
    died = PatientFactory.create(clinic=clinic_a, primary_physician=physician_a)
    left = PatientFactory.create(clinic=clinic_a, primary_physician=physician_a)
    services.patient_change_status(patient=died, status=PatientStatus.DECEASED, by=physician_a)
    services.patient_change_status(patient=left, status=PatientStatus.DISCHARGED, by=physician_a)

    doctor = physician_a.memberships.get()
    desk = member(clinic_a, Role.FRONT_DESK, "desk.two").memberships.get()
    assert _my_patients(HttpRequest(), doctor)["patients"] == [alive]
    assert _search(HttpRequest(), desk)["recent"] == [alive]
    assert set(selectors.search_patients(clinic_a)) == {alive, died, left}  # still found by search


def test_a_status_date_in_the_future_is_refused(patient: Any, physician_a: Any) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.patient_change_status(
            patient=patient, status=PatientStatus.DECEASED, by=physician_a, on=datetime.date(2999, 1, 1)
        )
    assert excinfo.value.message_dict == {"status_date": ["The status date cannot be in the future."]}


# --- The pages ------------------------------------------------------------------------------------


def _mark_url(record: Any) -> str:
    from django.urls import reverse

    name = {"PriorSurgery": "surgery", "Evaluation": "evaluation", "Diagnosis": "diagnosis"}[type(record).__name__]
    return reverse(f"patients:{name}_entered_in_error", args=[record.public_id])


def test_the_author_marks_a_surgery_from_its_edit_page_and_it_leaves_the_chart(
    login: Any, patient: Any, nurse_a: Any
) -> None:
    from django.urls import reverse

    surgery = _surgery(patient, nurse_a, 2011)
    client = login(nurse_a)
    edit = client.get(reverse("patients:surgery_edit", args=[surgery.public_id])).content.decode()
    assert 'data-testid="mark-entered-in-error"' in edit

    refused = client.post(_mark_url(surgery), {"reason": ""})
    assert refused.status_code == 200
    assert refused.content.decode().count("This field is required.") == 1
    response = client.post(_mark_url(surgery), {"reason": "Belongs to another patient"})
    assert response.status_code == 302

    chart = client.get(reverse("patients:chart", args=[patient.public_id])).content.decode()
    surgeries_section = chart.split('data-testid="surgeries"')[1].split("</ul>")[0]
    assert "No prior surgeries recorded." in surgeries_section
    assert 'data-kind="surgery"' not in chart  # not on the timeline
    assert "prior spine surgery" not in chart  # nor in the header's count
    errors_section = chart.split('data-testid="entered-in-error"')[1].split("</ul>")[0]
    assert "Belongs to another patient" in errors_section
    # The record cannot be edited any more.
    assert client.get(reverse("patients:surgery_edit", args=[surgery.public_id])).status_code == 404


def test_another_clinician_sees_no_button_and_gets_403(
    login: Any, patient: Any, nurse_a: Any, therapist_a: Any
) -> None:
    from django.urls import reverse

    surgery = _surgery(patient, nurse_a)
    client = login(therapist_a)
    edit = client.get(reverse("patients:surgery_edit", args=[surgery.public_id])).content.decode()
    assert 'data-testid="mark-entered-in-error"' not in edit
    assert client.get(_mark_url(surgery)).status_code == 403
    assert client.post(_mark_url(surgery), {"reason": "x"}).status_code == 403
    surgery.refresh_from_db()
    assert not surgery.is_entered_in_error


def test_a_physician_marks_a_primary_diagnosis_and_its_badge_goes(
    login: Any, patient: Any, nurse_a: Any, physician_a: Any
) -> None:
    from django.urls import reverse

    # Written by a nurse before diagnoses became physicians' (the factory, not the service).
    diagnosis = DiagnosisFactory.create(patient=patient, code="M96.1", is_primary=True, created_by=nurse_a)
    client = login(physician_a)
    chart_url = reverse("patients:chart", args=[patient.public_id])
    assert (
        "M96.1" in client.get(chart_url).content.decode().split('data-testid="chart-header"')[1].split("</section>")[0]
    )
    assert client.post(_mark_url(diagnosis), {"reason": "Wrong patient"}).status_code == 302
    header = client.get(chart_url).content.decode().split('data-testid="chart-header"')[1].split("</section>")[0]
    assert "M96.1" not in header


def test_the_outsider_gets_404_on_the_mark_pages(login: Any, patient: Any, physician_a: Any, outsider: Any) -> None:
    surgery = _surgery(patient, physician_a)
    evaluation = services.evaluation_record(
        patient=patient, by=physician_a, kind="psych", performed_on=datetime.date(2024, 1, 5)
    )
    diagnosis = services.diagnosis_add(patient=patient, by=physician_a, code="M96.1")
    client = login(outsider)
    for record in (surgery, evaluation, diagnosis):
        assert client.get(_mark_url(record)).status_code == 404
        assert client.post(_mark_url(record), {"reason": "x"}).status_code == 404


def test_the_chart_query_count_does_not_grow_with_records_in_error(
    login: Any, clinic_a: Any, physician_a: Any, django_assert_max_num_queries: Any
) -> None:
    from patients.tests.test_chart import CHART_MAX_QUERIES, chart_queries

    def patient_with_errors(n: int) -> Any:
        p = PatientFactory.create(clinic=clinic_a, date_of_birth=datetime.date(1960, 1, 1))
        for i in range(n):
            mark_entered_in_error(record=_surgery(p, physician_a, 2000 + i), by=physician_a, reason=f"r{i}")
            d = services.diagnosis_add(patient=p, by=physician_a, code="M96.1")
            mark_entered_in_error(record=d, by=physician_a, reason=f"d{i}")
            e = services.evaluation_record(
                patient=p, by=physician_a, kind="psych", performed_on=datetime.date(2020, 1, 1 + i)
            )
            mark_entered_in_error(record=e, by=physician_a, reason=f"e{i}")
        return p

    client = login(physician_a)
    small_count, _ = chart_queries(client, patient_with_errors(1))
    big = patient_with_errors(20)
    with django_assert_max_num_queries(CHART_MAX_QUERIES):
        big_count, html = chart_queries(client, big)
    assert big_count == small_count
    assert html.split('data-testid="entered-in-error"')[1].count("list-group-item px-0") == 60
