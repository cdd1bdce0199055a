"""Plans that say what they are and mean what they say: goal direction, plausible dates, draft
plans' MME outlook, the printout's status marks, trial scores with one decimal, and what a
patient's death or discharge does to their plans."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients.choices import PatientStatus
from patients.services import patient_change_status
from treatments import services
from treatments.models import Goal, GoalKind, InterventionStatus, Modality, PlanStatus, TreatmentPlan
from treatments.tests.factories import GoalFactory, InterventionFactory, TreatmentPlanFactory, medication


@pytest.mark.parametrize(
    ("kind", "baseline", "target", "words"),
    [
        (GoalKind.PAIN, 3, 8, "A pain goal aims lower: the target (8) must be below the baseline (3)."),
        (
            GoalKind.FUNCTION,
            40,
            60,
            "On the ODI a lower score is better: the target (60) must be below the baseline (40).",
        ),
        (GoalKind.OPIOID_REDUCTION, 60, 90, "An opioid reduction aims lower: the target (90 MME/day)"),
    ],
)
def test_a_goal_pointing_the_wrong_way_is_refused(plan_a, physician_a, kind, baseline, target, words):
    with pytest.raises(ValidationError) as refused:
        services.goal_add(plan=plan_a, by=physician_a, kind=kind, baseline_value=baseline, target_value=target)
    assert words in refused.value.message_dict["target_value"][0]
    assert refused.value.message_dict["target_value"] == [refused.value.message_dict["target_value"][0]]


def test_a_goal_form_shows_the_direction_message_once(login, physician_a, plan_a):
    response = login(physician_a).post(
        f"/plans/{plan_a.public_id}/goals/new/",
        {"kind": "pain", "baseline_value": "3", "target_value": "8", "status": "not_started"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and page.count("A pain goal aims lower") == 1


def test_a_sensible_goal_is_kept(plan_a, physician_a):
    goal = services.goal_add(
        plan=plan_a, by=physician_a, kind=GoalKind.PAIN, baseline_value=Decimal("6.5"), target_value=3
    )
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_a_target_date_before_the_plan_starts_is_refused(plan_a, physician_a):
    with pytest.raises(ValidationError) as refused:
        services.goal_add(plan=plan_a, by=physician_a, kind=GoalKind.PAIN, baseline_value=8, target_value=4,
                          target_date=plan_a.start_date - datetime.timedelta(days=1))  # fmt: skip
    assert "before the plan starts" in refused.value.message_dict["target_date"][0]


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        (datetime.timedelta(days=400), "more than a year ahead"),
        (-datetime.timedelta(days=51 * 366), "more than 50 years ago"),
    ],
)
def test_implausible_plan_start_dates_are_refused(patient_a, physician_a, shift, message):
    patient_a.date_of_birth = datetime.date(1930, 1, 1)
    today = timezone.localdate()
    with pytest.raises(ValidationError, match=message):
        services.plan_create(patient=patient_a, by=physician_a, title="P", start_date=today + shift,
                             review_date=today + shift + datetime.timedelta(days=30))  # fmt: skip


def test_a_plan_cannot_start_before_the_patient_was_born(patient_a, physician_a):
    born = patient_a.date_of_birth
    with pytest.raises(ValidationError, match="before the patient's date of birth"):
        services.plan_create(patient=patient_a, by=physician_a, title="P", start_date=born - datetime.timedelta(days=1),
                             review_date=born)  # fmt: skip


def test_an_intervention_date_far_ahead_is_refused(plan_a, physician_a):
    i = plan_a.interventions.first()
    with pytest.raises(ValidationError, match="more than a year ahead"):
        services.intervention_update(intervention=i, by=physician_a, status=i.status,
                                     start_date=timezone.localdate() + datetime.timedelta(days=800), end_date=None,
                                     notes="")  # fmt: skip


def test_a_draft_plan_shows_what_the_total_would_be_if_activated(login, physician_a, plan_a, patient_a):
    medication(plan_a, "oxycodone", "20", frequency="bid")  # 60

    page = login(physician_a).get(f"/plans/{plan_a.public_id}/").content.decode()

    assert "If activated, the total would be 60 MME/day." in page
    assert "50 MME/day or more: reassess benefits and risks, and offer naloxone." in page
    assert "avoid or carefully justify" not in page


def test_a_draft_outlook_adds_the_patients_current_medications(login, physician_a, plan_a, patient_a):
    from treatments.models import Medication

    services.outside_medication_save(
        medication=Medication(drug="morphine", dose=Decimal(20), unit="mg", frequency="bid", route="oral",
                              start_date=datetime.date(2025, 1, 1)),
        patient=patient_a, by=physician_a,
    )  # fmt: skip
    medication(plan_a, "oxycodone", "20", frequency="bid")  # 60

    page = login(physician_a).get(f"/plans/{plan_a.public_id}/").content.decode()

    assert "If activated, the total would be 100 MME/day." in page
    assert "90 MME/day or more: avoid or carefully justify this dose." in page


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (PlanStatus.DRAFT, "DRAFT: not in effect"),
        (PlanStatus.COMPLETED, "COMPLETED on 2025-05-01: no longer in effect"),
        (PlanStatus.DISCONTINUED, "DISCONTINUED on 2025-05-01: no longer in effect"),
    ],
)
def test_the_printout_marks_every_page_of_a_plan_not_in_effect(login, physician_a, patient_a, status, words):
    plan = TreatmentPlanFactory.create(patient=patient_a, author=physician_a, status=status,
                                       end_date=None if status == PlanStatus.DRAFT else datetime.date(2025, 5, 1),
                                       discontinued_reason="x" if status == PlanStatus.DISCONTINUED else "")  # fmt: skip

    page = login(physician_a).get(f"/plans/{plan.public_id}/print/").content.decode()

    assert f'@top-center {{ content: "{words}"' in page  # a page margin box: on every printed page
    assert f'data-testid="print-status-mark">{words}<' in page
    assert f"({plan.get_status_display().lower()})</title>" in page.replace("\n", "").replace("  ", "")


def test_an_active_plan_prints_without_a_mark(login, physician_a, patient_a):
    plan = TreatmentPlanFactory.create(patient=patient_a, author=physician_a, status=PlanStatus.ACTIVE)
    page = login(physician_a).get(f"/plans/{plan.public_id}/print/").content.decode()
    assert "@top-center" not in page and "print-status-mark" not in page


def test_a_discontinued_plan_prints_its_interventions_as_stopped(login, physician_a, plan_a):
    plan_a.status = PlanStatus.ACTIVE
    plan_a.save()
    pt = plan_a.interventions.get(modality=Modality.PHYSICAL_THERAPY)
    pt.status = InterventionStatus.IN_PROGRESS
    pt.save()
    services.plan_discontinue(plan=plan_a, by=physician_a, reason="Moved away", end_date=datetime.date(2025, 5, 1))

    page = login(physician_a).get(f"/plans/{plan_a.public_id}/print/").content.decode()

    assert page.count("(stopped on 1 May 2025)") == 2  # physical therapy and psychology
    assert "In progress" not in page


def test_the_trial_form_takes_diary_averages_and_the_rule_is_exact_at_half(login, physician_a, plan_a):
    client = login(physician_a)
    url = f"/plans/{plan_a.public_id}/interventions/new/?kind=neuromodulation_trial"
    base = {"status": "in_progress", "start_date": "2025-03-01", "baseline_nrs": "6.4", "trial_nrs": "3.2"}

    assert client.post(url, {**base, "device": "scs", "analgesic_change": "stable"}).status_code == 302
    assert client.post(url, {**base, "device": "pump"}).status_code == 302

    trials = {i.trial.device: i.trial for i in plan_a.interventions.filter(modality=Modality.NEUROMODULATION_TRIAL)}
    assert trials["scs"].baseline_nrs == Decimal("6.4") and trials["scs"].trial_nrs == Decimal("3.2")
    assert trials["scs"].outcome.relief == Decimal("50.0")
    assert trials["scs"].outcome.success is True  # at least 50%
    assert trials["pump"].outcome.success is False  # more than 50% needed


def test_a_deceased_patient_s_plans_close_and_medications_stop(patient_a, physician_a, frontdesk_a):
    plan = TreatmentPlanFactory.create(patient=patient_a, author=physician_a, status=PlanStatus.ACTIVE)
    GoalFactory.create(plan=plan)
    on_plan = medication(plan, "oxycodone", "10")
    draft = TreatmentPlanFactory.create(patient=patient_a, author=physician_a, start_date=datetime.date(2025, 4, 1))
    from treatments.models import Medication

    outside = services.outside_medication_save(
        medication=Medication(drug="morphine", dose=Decimal(10), unit="mg", frequency="bid", route="oral",
                              start_date=datetime.date(2025, 1, 1)),
        patient=patient_a, by=physician_a,
    )  # fmt: skip
    died = timezone.localdate() - datetime.timedelta(days=2)

    patient_change_status(patient=patient_a, status=PatientStatus.DECEASED, by=frontdesk_a, on=died)

    for p in (plan, draft):
        p.refresh_from_db()
        assert p.status == PlanStatus.DISCONTINUED and p.discontinued_reason.startswith("Patient deceased")
    on_plan.refresh_from_db()
    outside.refresh_from_db()
    assert on_plan.status == InterventionStatus.STOPPED and on_plan.end_date == died
    assert outside.status == "stopped" and outside.stop_date == died
    from treatments import selectors

    assert selectors.mme_of_patient(patient_a, on=died + datetime.timedelta(days=1)).mme == 0
    assert TreatmentPlan.objects.filter(patient=patient_a).count() == 2  # nothing deleted


@pytest.mark.parametrize("status", [PatientStatus.DISCHARGED, PatientStatus.DECEASED])
def test_inactive_patients_leave_the_plans_due_for_review(patient_a, physician_a, frontdesk_a, status):
    from clinics.models import Membership
    from treatments import selectors

    plan = TreatmentPlanFactory.create(patient=patient_a, author=physician_a, status=PlanStatus.ACTIVE,
                                       review_date=timezone.localdate())  # fmt: skip
    InterventionFactory.create(plan=plan, modality=Modality.PHYSICAL_THERAPY)
    membership = Membership.objects.get(user=physician_a, clinic=patient_a.clinic)
    assert selectors.plans_due_for_review(membership).exists()

    patient_change_status(patient=patient_a, status=status, by=frontdesk_a)

    assert not selectors.plans_due_for_review(membership).exists()
