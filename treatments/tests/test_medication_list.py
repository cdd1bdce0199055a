"""The patient's one current medication list: outside prescriptions, medications that continue
after their plan closes, closing a plan per medication, dose confirmation, duplicates and
entered in error; all of them as the MME total sees them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clinics.records import mark_entered_in_error
from treatments import choices as c
from treatments import selectors, services
from treatments.models import InterventionStatus, Medication, PlanStatus
from treatments.tests.factories import GoalFactory, TreatmentPlanFactory, medication

ON = datetime.date(2025, 5, 1)


@pytest.fixture
def active_plan(patient_a, physician_a):
    return TreatmentPlanFactory.create(patient=patient_a, author=physician_a, status=PlanStatus.ACTIVE)


def outside(patient, by, drug="oxycodone", dose="10", frequency="bid", confirm=False, **kw):
    m = Medication(drug=drug, dose=Decimal(dose), unit=kw.pop("unit", "mg"), frequency=frequency,
                   route=kw.pop("route", "oral"), start_date=kw.pop("start_date", datetime.date(2025, 1, 1)), **kw)  # fmt: skip
    return services.outside_medication_save(medication=m, patient=patient, by=by, confirm_dose=confirm)


def test_an_outside_opioid_counts_in_the_total(patient_a, physician_a, active_plan):
    medication(active_plan, "morphine", "10", frequency="tid")  # 30
    outside(patient_a, physician_a, prescriber_name="Dr Family")  # oxycodone 10 bid: 30

    total = selectors.mme_of_patient(patient_a, on=ON)

    assert total.mme == Decimal(60)
    assert selectors.mme_per_patient(patient_a.clinic, on=ON)[patient_a.pk] == Decimal(60)


def test_a_stopped_outside_medication_leaves_the_total(patient_a, physician_a):
    m = outside(patient_a, physician_a)
    services.medication_stop(medication=m, by=physician_a, stop_date=datetime.date(2025, 4, 1))

    assert selectors.mme_of_patient(patient_a, on=ON).mme == 0
    assert selectors.mme_of_patient(patient_a, on=datetime.date(2025, 3, 1)).mme == Decimal(30)


def test_closing_a_plan_asks_for_every_current_medication(active_plan, physician_a):
    medication(active_plan, "oxycodone", "10")

    with pytest.raises(ValidationError, match="stops or continues"):
        services.plan_complete(plan=active_plan, by=physician_a)

    active_plan.refresh_from_db()
    assert active_plan.status == PlanStatus.ACTIVE


def test_a_continuing_medication_stays_in_the_total_after_its_plan_closes(active_plan, patient_a, physician_a):
    keep = medication(active_plan, "oxycodone", "10")  # 30
    stop = medication(active_plan, "morphine", "10", frequency="tid")  # 30
    GoalFactory.create(plan=active_plan)

    services.plan_complete(
        plan=active_plan, by=physician_a, end_date=datetime.date(2025, 4, 1),
        continuing={keep.medication.pk: True, stop.medication.pk: False},
    )  # fmt: skip

    total = selectors.mme_of_patient(patient_a, on=ON)
    assert [p.drug for p, _m in total.counted] == ["oxycodone"] and total.mme == Decimal(30)
    assert selectors.mme_per_patient(patient_a.clinic, on=ON)[patient_a.pk] == Decimal(30)
    stop.refresh_from_db()
    assert stop.status == InterventionStatus.STOPPED and stop.end_date == datetime.date(2025, 4, 1)


def test_the_close_page_has_one_choice_per_medication(login, physician_a, active_plan, patient_a):
    keep = medication(active_plan, "oxycodone", "10")
    stop = medication(active_plan, "morphine", "10", frequency="tid")
    client = login(physician_a)
    url = f"/plans/{active_plan.public_id}/complete/"

    page = client.get(url).content.decode()
    assert f'name="medication_{keep.medication.pk}"' in page and f'name="medication_{stop.medication.pk}"' in page

    refused = client.post(url, {f"medication_{keep.medication.pk}": "continue"})
    assert refused.status_code == 200 and "Say whether it stops or continues." in refused.content.decode()

    done = client.post(
        url, {f"medication_{keep.medication.pk}": "continue", f"medication_{stop.medication.pk}": "stop"}
    )
    assert done.status_code == 302
    keep.medication.refresh_from_db()
    assert keep.medication.continues
    chart = client.get(f"/patients/{patient_a.public_id}/").content.decode()
    assert "continues after the plan" in chart


def test_a_dose_of_90_mme_or_more_needs_a_confirmation(patient_a, physician_a):
    with pytest.raises(ValidationError) as refused:
        outside(patient_a, physician_a, dose="30", frequency="bid")  # 90 MME/day
    assert "I confirm this dose" in str(refused.value.message_dict["confirm_dose"])
    assert not Medication.objects.exists()

    m = outside(patient_a, physician_a, dose="30", frequency="bid", confirm=True)
    assert m.confirmed_by == physician_a and m.confirmed_at is not None


def test_an_implausible_dose_is_refused_without_confirmation_on_the_plan(active_plan, physician_a, login):
    client = login(physician_a)
    data = {"drug": "oxycodone", "dose": "100000", "unit": "mg", "frequency": "q6h", "route": "oral",
            "status": "planned"}  # fmt: skip
    url = f"/plans/{active_plan.public_id}/interventions/new/?kind=medication"

    refused = client.post(url, data)

    page = refused.content.decode()
    assert refused.status_code == 200 and "plausibility ceiling for Oxycodone (80 mg)" in page
    assert "600000 MME/day" in page
    assert not Medication.objects.exists()

    accepted = client.post(url, {**data, "confirm_dose": "on"})
    assert accepted.status_code == 302
    assert Medication.objects.get().confirmed_by == physician_a


def test_a_dose_above_its_ceiling_needs_confirmation_even_under_90_mme(patient_a, physician_a):
    with pytest.raises(ValidationError, match="plausibility ceiling"):
        outside(patient_a, physician_a, drug="gabapentin", dose="3000", frequency="qd")


def test_a_confirmed_dose_keeps_its_confirmation_when_only_its_dates_change(patient_a, physician_a):
    m = outside(patient_a, physician_a, dose="30", frequency="bid", confirm=True)
    m.stop_date = datetime.date(2025, 12, 1)
    services.outside_medication_save(medication=m, patient=patient_a, by=physician_a)
    m.dose = Decimal(40)
    with pytest.raises(ValidationError, match="I confirm this dose"):
        services.outside_medication_save(medication=m, patient=patient_a, by=physician_a)


def test_a_second_prescription_of_the_same_drug_is_flagged(active_plan, patient_a, physician_a, login):
    outside(patient_a, physician_a)
    with pytest.raises(ValidationError, match="second prescription"):
        medication_via_service(active_plan, physician_a)

    medication_via_service(active_plan, physician_a, confirm=True)

    chart = login(physician_a).get(f"/patients/{patient_a.public_id}/").content.decode()
    assert "Prescribed twice: Oxycodone" in chart
    assert chart.count('data-testid="duplicate"') == 2
    plan_page = login(physician_a).get(f"/plans/{active_plan.public_id}/").content.decode()
    assert 'data-testid="row-duplicate"' in plan_page


def medication_via_service(plan, by, confirm=False):
    row = Medication(drug="oxycodone", dose=Decimal(5), unit="mg", frequency="bid", route="oral")
    return services.intervention_add(
        plan=plan, by=by, modality="medication", detail=row, status=InterventionStatus.IN_PROGRESS,
        start_date=datetime.date(2025, 3, 1), confirm_dose=confirm,
    )  # fmt: skip


def test_an_outside_medication_marked_entered_in_error_leaves_the_total(patient_a, physician_a):
    m = outside(patient_a, physician_a)
    assert selectors.mme_of_patient(patient_a, on=ON).mme == Decimal(30)

    mark_entered_in_error(record=m, by=physician_a, reason="Wrong patient")

    assert selectors.mme_of_patient(patient_a, on=ON).mme == 0
    assert patient_a.pk not in selectors.mme_per_patient(patient_a.clinic, on=ON)
    assert Medication.objects.filter(pk=m.pk).exists()  # kept, with its history
    assert m.history.first().entered_in_error_reason == "Wrong patient"


def test_a_plan_medication_marked_entered_in_error_leaves_the_plan_and_the_total(active_plan, patient_a, physician_a):
    i = medication(active_plan, "oxycodone", "10")

    mark_entered_in_error(record=i, by=physician_a, reason="Typed on the wrong plan")

    assert selectors.mme_of_patient(patient_a, on=ON).mme == 0
    assert patient_a.pk not in selectors.mme_per_patient(patient_a.clinic, on=ON)
    plan = selectors.plans_with_parts().get(pk=active_plan.pk)
    assert selectors.rows_of(plan) == []


def test_only_the_author_or_a_physician_marks_a_medication(patient_a, physician_a, nurse_a):
    m = outside(patient_a, physician_a)
    with pytest.raises(PermissionDenied):
        mark_entered_in_error(record=m, by=nurse_a, reason="No")


def test_outside_medications_are_added_from_the_chart(login, physician_a, patient_a):
    client = login(physician_a)
    url = f"/plans/patient/{patient_a.public_id}/medications/new/"
    data = {"drug": "tramadol", "dose": "50", "unit": "mg", "frequency": "qid", "route": "oral",
            "prescriber_name": "Dr Family", "start_date": "2025-01-10"}  # fmt: skip

    assert client.post(url, data).status_code == 302

    m = Medication.objects.get()
    assert m.prescriber == c.OUTSIDE and m.intervention is None and m.patient == patient_a
    chart = client.get(f"/patients/{patient_a.public_id}/").content.decode()
    assert "Dr Family" in chart and "Current medications" in chart


def test_outside_medication_pages_reject_the_outsider(login, outsider, patient_a, physician_a):
    m = outside(patient_a, physician_a)
    client = login(outsider)
    for url in (
        f"/plans/patient/{patient_a.public_id}/medications/new/",
        f"/plans/medications/{m.public_id}/",
        f"/plans/medications/{m.public_id}/stop/",
        f"/plans/medications/{m.public_id}/entered-in-error/",
    ):
        assert client.get(url).status_code == 404, url


def test_marking_an_intervention_entered_in_error_from_its_page(login, physician_a, nurse_a, active_plan, patient_a):
    i = medication(active_plan, "oxycodone", "10")
    url = f"/plans/interventions/{i.public_id}/entered-in-error/"

    assert login(nurse_a).post(url, {"reason": "No"}).status_code == 403  # neither author nor physician
    client = login(physician_a)
    assert 'data-testid="mark-entered-in-error"' in client.get(f"/plans/interventions/{i.public_id}/").content.decode()
    assert client.post(url, {"reason": "Wrong patient"}).status_code == 302

    page = client.get(f"/plans/{active_plan.public_id}/").content.decode()
    assert 'data-testid="intervention"' not in page
    assert client.get(f"/plans/interventions/{i.public_id}/").status_code == 404  # no longer edited
    i.refresh_from_db()
    assert i.entered_in_error_reason == "Wrong patient" and i.entered_in_error_by == physician_a
