"""MME by route: the CDC factors are for oral doses and the fentanyl patch only (CLINICAL.md).
Every other route is shown as not counted and the total says how many were left out, in Python
and in the database alike."""

import datetime
from decimal import Decimal

import pytest

from treatments import mme, selectors
from treatments.models import PlanStatus
from treatments.tests.factories import TreatmentPlanFactory, medication

ON = datetime.date(2025, 5, 1)

# route -> counted? (morphine 5 mg every 4 hours: 30 MME/day by mouth)
ROUTES = [
    ("oral", True),
    ("intravenous", False),
    ("intramuscular", False),
    ("subcutaneous", False),
    ("intrathecal", False),
    ("epidural", False),
    ("sublingual", False),
    ("intranasal", False),
]


@pytest.fixture
def active_plan(patient_a, physician_a):
    return TreatmentPlanFactory.create(patient=patient_a, author=physician_a, status=PlanStatus.ACTIVE)


@pytest.mark.parametrize(("route", "counted"), ROUTES)
def test_morphine_counts_only_by_mouth(active_plan, patient_a, route, counted):
    medication(active_plan, "morphine", "5", frequency="q4h", route=route)

    total = selectors.mme_of_patient(patient_a, on=ON)
    by_db = selectors.mme_per_patient(patient_a.clinic, on=ON)

    if counted:
        assert total.mme == Decimal(30) and not total.left_out
        assert by_db[patient_a.pk] == Decimal(30)
    else:
        assert total.mme == 0 and [p.route for p in total.left_out] == [route]
        assert patient_a.pk not in by_db


def test_the_fentanyl_patch_counts_on_the_skin(active_plan, patient_a):
    medication(active_plan, "fentanyl_patch", "25", unit="mcg/hr", frequency="patch72", route="transdermal")

    assert selectors.mme_of_patient(patient_a, on=ON).mme == Decimal(60)
    assert selectors.mme_per_patient(patient_a.clinic, on=ON)[patient_a.pk] == Decimal(60)


def test_the_total_says_how_many_prescriptions_it_left_out(active_plan, patient_a, login, physician_a):
    medication(active_plan, "oxycodone", "10", frequency="bid")  # 30
    medication(active_plan, "morphine", "5", frequency="q4h", route="intravenous")
    medication(active_plan, "hydromorphone", "1", frequency="q6h", route="intrathecal")

    total = selectors.mme_of_patient(patient_a, on=ON)

    assert total.mme == Decimal(30) and len(total.left_out) == 2
    page = login(physician_a).get(f"/plans/{active_plan.public_id}/").content.decode()
    assert "2 opioid prescriptions are left out" in page
    assert page.count("not in the MME total (into a vein)") == 1
    assert page.count("not in the MME total (intrathecal (pump))") == 1


def test_the_database_expression_agrees_with_python_on_every_route(active_plan):
    for route, _counted in ROUTES:
        medication(active_plan, "oxycodone", "10", frequency="bid", route=route)
    for i in selectors.interventions_with_details().filter(plan=active_plan):
        assert selectors.daily_mme_of(i) == mme.daily_mme(i.medication.prescription()), i.medication.route


def test_buprenorphine_is_never_counted_nor_counted_as_left_out():
    p = mme.Prescription(drug="buprenorphine", dose=Decimal(8), unit="mg", doses_per_day=Decimal(1),
                         start=datetime.date(2025, 1, 1), route="sublingual")  # fmt: skip
    total = mme.total_mme([p], on=ON)
    assert total.mme == 0 and total.not_summed == [p] and total.left_out == []
