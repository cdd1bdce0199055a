"""Pages keep a fixed number of queries whatever the number of interventions (N+1 guard)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from clinics.roles import Role
from clinics.tests.factories import member
from conftest import queries_of
from treatments.models import InterventionStatus, Modality, PlanStatus
from treatments.tests.factories import (
    CareTeamMemberFactory,
    GoalFactory,
    InterventionFactory,
    TreatmentPlanFactory,
    medication,
)

# What the clinic (America/Chicago) calls today: the pages compute MME on the clinic's date. The
# clock is held at midday there, so a run that crosses the clinic's midnight still agrees with it.
NOW = datetime.datetime(2026, 11, 18, 12, 0, tzinfo=ZoneInfo("America/Chicago"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _clinic_midday(time_machine):
    time_machine.move_to(NOW)


def build(patient, author, clinic, *, n: int, status=PlanStatus.ACTIVE):
    plan = TreatmentPlanFactory.create(
        patient=patient, author=author, status=status, start_date=TODAY, review_date=TODAY
    )
    for k in range(3):
        GoalFactory.create(plan=plan, target_value=k + 1)
        CareTeamMemberFactory.create(
            plan=plan, user=member(clinic, Role.THERAPIST, f"pt.{plan.pk}.{k}"), discipline="physical_therapy"
        )
    for k in range(n):
        medication(plan, "oxycodone", "5", start_date=TODAY)
        InterventionFactory.create(plan=plan, modality=Modality.PHYSICAL_THERAPY, start_date=TODAY)
        InterventionFactory.create(
            plan=plan,
            modality=Modality.PROCEDURE,
            status=InterventionStatus.DONE,
            details={
                "procedure_type": "rfa",
                "cpt_code": "64635",
                "levels": ["L4", "L5"],
                "pain_before": 7,
                "pain_after": 3,
            },
        )
        InterventionFactory.create(
            plan=plan,
            modality=Modality.NEUROMODULATION_TRIAL,
            start_date=TODAY,
            status=InterventionStatus.IN_PROGRESS if k == 0 else InterventionStatus.DONE,
            details={
                "device": "scs",
                "baseline_nrs": 8,
                "trial_nrs": 3,
                "analgesic_change": "reduced",
                "decision": "implant",
            },
        )
    return plan


def outside_medications(patient, by, *, n: int) -> None:
    """``n`` medications prescribed outside the clinic (tramadol 50 mg twice a day: 20 MME/day each)."""
    from decimal import Decimal

    from treatments import services
    from treatments.models import Medication

    for _k in range(n):
        services.outside_medication_save(
            medication=Medication(drug="tramadol", dose=Decimal(50), unit="mg", frequency="bid", route="oral",
                                  start_date=TODAY, prescriber_name="Dr Family"),
            patient=patient, by=by, confirm_dose=True,
        )  # fmt: skip


# Measured: 3 for the session, user and membership, savepoints of ATOMIC_REQUESTS, 4 for the plan
# and its parts, 1 for the patient's current medication list, the session save, 1 for the access-log line.
PLAN_PAGE_MAX = 14
CHART_MAX = 28  # 25, plus the Surveys and Outcome scores sections (constant whatever the history)


def test_the_plan_page_does_not_grow_with_interventions(
    login, physician_a, patient_a, clinic_a, django_assert_max_num_queries
):
    small = build(patient_a, physician_a, clinic_a, n=1, status=PlanStatus.COMPLETED)
    client = login(physician_a)
    small_count = queries_of(client, reverse("treatments:detail", args=[small.public_id]))
    big = build(patient_a, physician_a, clinic_a, n=25)  # 100 interventions
    outside_medications(patient_a, physician_a, n=10)
    assert small_count == queries_of(client, reverse("treatments:detail", args=[big.public_id]))
    with django_assert_max_num_queries(PLAN_PAGE_MAX):
        response = client.get(reverse("treatments:detail", args=[big.public_id]))
    assert response.content.decode().count('data-testid="intervention"') == 100


def test_the_chart_does_not_grow_with_plans_and_interventions(
    login, physician_a, patient_a, clinic_a, django_assert_max_num_queries
):
    client = login(physician_a)
    address = reverse("patients:chart", args=[patient_a.public_id])
    build(patient_a, physician_a, clinic_a, n=1, status=PlanStatus.COMPLETED)
    outside_medications(patient_a, physician_a, n=1)
    few = queries_of(client, address)
    build(patient_a, physician_a, clinic_a, n=20)
    outside_medications(patient_a, physician_a, n=10)
    for _ in range(3):
        build(patient_a, physician_a, clinic_a, n=5, status=PlanStatus.COMPLETED)
    assert queries_of(client, address) == few
    with django_assert_max_num_queries(CHART_MAX):
        response = client.get(address)
    html = response.content.decode()
    # 20 x (oxycodone 5 mg twice a day = 10 mg x 1.5) on the active plan, and 11 x tramadol
    # 50 mg twice a day (20) from outside; closed plans' medications stopped.
    assert "520 MME/day" in html
    assert html.count('data-testid="current-medication"') == 31
    assert "SCS trial in progress, day 1" in html


def test_the_history_and_print_pages_do_not_grow(
    login, physician_a, patient_a, clinic_a, django_assert_max_num_queries
):
    from treatments import services

    plan = build(patient_a, physician_a, clinic_a, n=10)
    for k, i in enumerate(plan.interventions.filter(modality=Modality.PHYSICAL_THERAPY)):
        services.intervention_update(
            intervention=i, by=physician_a, status=i.status, start_date=i.start_date, end_date=i.end_date,
            notes=f"note {k}",
        )  # fmt: skip
    client = login(physician_a)
    # Seven history tables (plan, goals, interventions, care team, medications, procedures,
    # trials) and one query for the people, over 40 interventions: a fixed count (+1: the access-log line).
    with django_assert_max_num_queries(21):
        assert client.get(reverse("treatments:history", args=[plan.public_id])).status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(reverse("treatments:print", args=[plan.public_id])).status_code == 200
