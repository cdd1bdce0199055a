import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from treatments import services
from treatments.models import (
    CareTeamMember,
    GoalKind,
    InterventionStatus,
    Modality,
    PlanStatus,
    TreatmentPlan,
)
from treatments.schemas import PhysicalTherapy
from treatments.tests.factories import GoalFactory, InterventionFactory, TreatmentPlanFactory, medication

START = datetime.date(2025, 3, 1)
REVIEW = datetime.date(2025, 6, 1)


def test_it_creates_a_draft_with_the_author_on_the_care_team(patient_a, physician_a):
    plan = services.plan_create(patient=patient_a, by=physician_a, title="Plan", start_date=START, review_date=REVIEW)
    assert plan.status == PlanStatus.DRAFT
    assert plan.author == physician_a
    team = list(plan.care_team.all())
    assert [(m.user, m.discipline) for m in team] == [(physician_a, "pain_medicine")]
    assert plan.history.first().history_user == physician_a


def test_it_rejects_a_review_date_before_the_start(patient_a, physician_a):
    with pytest.raises(ValidationError) as exc:
        services.plan_create(patient=patient_a, by=physician_a, title="Plan", start_date=REVIEW, review_date=START)
    assert "review date" in str(exc.value).lower()
    assert not TreatmentPlan.objects.exists()


def test_it_activates_a_complete_draft(plan_a, physician_a):
    services.plan_activate(plan=plan_a, by=physician_a)
    plan_a.refresh_from_db()
    assert plan_a.is_active


def test_it_refuses_to_activate_a_plan_without_goals_or_interventions(patient_a, physician_a):
    plan = TreatmentPlanFactory.create(patient=patient_a, author=physician_a)
    with pytest.raises(ValidationError) as exc:
        services.plan_activate(plan=plan, by=physician_a)
    assert exc.value.code == "incomplete"
    assert "goal" in exc.value.messages[0] and "intervention" in exc.value.messages[0]


def test_it_refuses_a_second_active_plan_of_the_same_patient(plan_a, patient_a, physician_a):
    services.plan_activate(plan=plan_a, by=physician_a)
    other = TreatmentPlanFactory.create(patient=patient_a, author=physician_a)
    GoalFactory.create(plan=other)
    InterventionFactory.create(plan=other)
    with pytest.raises(ValidationError) as exc:
        services.plan_activate(plan=other, by=physician_a)
    assert "already has an active plan" in " ".join(exc.value.messages)
    other.refresh_from_db()
    assert other.status == PlanStatus.DRAFT


def test_the_database_itself_refuses_two_active_plans(plan_a, patient_a, physician_a):
    services.plan_activate(plan=plan_a, by=physician_a)
    other = TreatmentPlanFactory.create(patient=patient_a, author=physician_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPlan.objects.filter(pk=other.pk).update(status=PlanStatus.ACTIVE)


def test_another_patient_may_have_an_active_plan_at_the_same_time(plan_a, physician_a, clinic_a):
    services.plan_activate(plan=plan_a, by=physician_a)
    other = TreatmentPlanFactory.create(patient__clinic=clinic_a, author=physician_a)
    GoalFactory.create(plan=other)
    InterventionFactory.create(plan=other)
    services.plan_activate(plan=other, by=physician_a)
    assert TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE).count() == 2


def test_a_completed_plan_frees_the_patient_for_a_new_active_plan(plan_a, patient_a, physician_a):
    services.plan_activate(plan=plan_a, by=physician_a)
    services.plan_complete(plan=plan_a, by=physician_a)
    other = TreatmentPlanFactory.create(patient=patient_a, author=physician_a)
    GoalFactory.create(plan=other)
    InterventionFactory.create(plan=other)
    services.plan_activate(plan=other, by=physician_a)
    assert other.is_active and plan_a.status == PlanStatus.COMPLETED and plan_a.end_date is not None


def test_it_refuses_to_activate_twice(plan_a, physician_a):
    services.plan_activate(plan=plan_a, by=physician_a)
    with pytest.raises(ValidationError) as exc:
        services.plan_activate(plan=plan_a, by=physician_a)
    assert exc.value.code == "not_draft"


def test_discontinuing_needs_a_reason(plan_a, physician_a):
    with pytest.raises(ValidationError):
        services.plan_discontinue(plan=plan_a, by=physician_a, reason="   ")
    services.plan_discontinue(plan=plan_a, by=physician_a, reason="Moved to another city")
    plan_a.refresh_from_db()
    assert plan_a.status == PlanStatus.DISCONTINUED and plan_a.discontinued_reason == "Moved to another city"


def test_the_database_refuses_a_discontinued_plan_without_reason(plan_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPlan.objects.filter(pk=plan_a.pk).update(status=PlanStatus.DISCONTINUED)


def test_a_closed_plan_cannot_be_changed(plan_a, physician_a):
    services.plan_discontinue(plan=plan_a, by=physician_a, reason="Patient's choice")
    intervention = plan_a.interventions.first()
    with pytest.raises(ValidationError):
        services.intervention_update(
            intervention=intervention, by=physician_a, status=intervention.status, start_date=None, end_date=None,
            notes="late note",
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.plan_update(
            plan=plan_a, by=physician_a, title="New title", summary="", start_date=START, review_date=REVIEW
        )
    with pytest.raises(ValidationError):
        services.goal_add(plan=plan_a, by=physician_a, kind=GoalKind.PAIN, target_value=3)


def test_care_team_members_must_belong_to_the_patients_clinic(plan_a, physician_a, outsider):
    with pytest.raises(ValidationError) as exc:
        services.care_team_add(plan=plan_a, by=physician_a, user=outsider, discipline="pain_medicine")
    assert "user" in exc.value.message_dict


def test_a_colleague_of_the_patients_clinic_joins_the_care_team(plan_a, physician_a, therapist_a):
    services.care_team_add(plan=plan_a, by=physician_a, user=therapist_a, discipline="physical_therapy")
    assert CareTeamMember.objects.filter(plan=plan_a, user=therapist_a).exists()


def test_a_person_joins_a_care_team_once(plan_a, physician_a, therapist_a):
    therapist = therapist_a
    services.care_team_add(plan=plan_a, by=physician_a, user=therapist, discipline="physical_therapy")
    with pytest.raises(ValidationError):
        services.care_team_add(plan=plan_a, by=physician_a, user=therapist, discipline="physical_therapy")


def test_an_inactive_member_cannot_join(plan_a, physician_a, therapist_a):
    therapist = therapist_a
    therapist.memberships.update(is_active=False)
    with pytest.raises(ValidationError):
        services.care_team_add(plan=plan_a, by=physician_a, user=therapist, discipline="physical_therapy")


def test_it_records_what_changed_and_by_whom(plan_a, physician_a, therapist_a):
    from treatments.selectors import plan_history

    pt = plan_a.interventions.get(modality=Modality.PHYSICAL_THERAPY)
    services.intervention_update(
        intervention=pt,
        by=therapist_a,
        status=InterventionStatus.IN_PROGRESS,
        start_date=pt.start_date,
        end_date=None,
        notes="",
        detail=PhysicalTherapy(focus=["core", "posture"], sessions_per_week=3, weeks=6),
    )
    services.plan_update(
        plan=plan_a,
        by=physician_a,
        title="Stronger back",
        summary=plan_a.summary,
        start_date=plan_a.start_date,
        review_date=plan_a.review_date,
    )
    changes = plan_history(plan_a)
    latest, before = changes[0], changes[1]
    assert latest.user == physician_a and latest.what == "treatment plan"
    assert ("title", "Back on my feet", "Stronger back") in latest.fields
    assert before.user == therapist_a
    assert ("status", "Planned", "In progress") in before.fields
    assert ("Sessions per week", "2", "3") in before.fields


def test_medication_in_progress_needs_a_start_date(plan_a):
    with pytest.raises(ValidationError) as exc:
        medication(plan_a, "oxycodone", "10", start_date=None)
    assert "start_date" in exc.value.message_dict
