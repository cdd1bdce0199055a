"""Least privilege inside a clinic (issue 11): the front desk and the clinic admin see what is to
be booked from active plans only, never a draft's contents.

A draft is clinical work in progress (clinics.roles: ``VIEW_CLINICAL``). To a role without that
need it does not exist: 404 on its pages and its parts' pages, absent from the chart and the
worklist. An active plan's pages stay 403 to them (its medications and notes are clinical), and
its sessions to book are on the chart and the worklist.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from scheduling.followups import ensure_clinic_defaults
from treatments import services
from treatments.models import Intervention, Modality, PlanStatus, TreatmentPlan
from treatments.tests.factories import CareTeamMemberFactory, medication

pytestmark = pytest.mark.django_db

NON_CLINICAL = ["frontdesk_a", "clinic_admin_a"]
CLINICIANS = ["physician_a", "therapist_a", "psychologist_a", "nurse_a"]

PLAN_PAGES = ["detail", "history", "print"]
PLAN_WRITES = [
    ("get", "edit"), ("get", "discontinue"), ("get", "complete"), ("post", "activate"), ("get", "goal_add"),
    ("get", "team_add"), ("get", "intervention_add"),
]  # fmt: skip
POST_ONLY = {"team_remove"}
# The booking label of plan_a's physical therapy (2 sessions a week for 6 weeks).
PT_TO_BOOK = "2 sessions a week for 6 weeks"


def url(name: str, obj: Any) -> str:
    return reverse(f"treatments:{name}", args=[obj.public_id])


def chart(client: Any, patient: Any) -> str:
    return str(client.get(reverse("patients:chart", args=[patient.public_id])).content.decode())


def schedule_section(html: str) -> str:
    return html.split('data-testid="section-treatment_schedule"')[1].split("</section>")[0]


def assert_every_part_answers(client: Any, plan: TreatmentPlan, physician: Any, status_code: int) -> None:
    """Every page of the plan's parts (goals, interventions, team...) answers ``status_code`` to GET
    (where it has one) and to POST."""
    for name, address in parts_of(plan, physician).items():
        if name not in POST_ONLY:
            assert client.get(address).status_code == status_code, name
        assert client.post(address, {}).status_code == status_code, name


@pytest.fixture
def draft(plan_a: TreatmentPlan) -> TreatmentPlan:
    """plan_a (a draft: a pain goal, physical therapy, psychology) with a prescription and notes."""
    medication(plan_a, "oxycodone", "10")
    Intervention.objects.filter(plan=plan_a, modality=Modality.PHYSICAL_THERAPY).update(notes="Draft note on mood")
    assert plan_a.is_draft
    return plan_a


@pytest.fixture
def active(draft: TreatmentPlan, physician_a: Any) -> TreatmentPlan:
    services.plan_activate(plan=draft, by=physician_a)
    draft.refresh_from_db()
    assert draft.is_active
    return draft


def parts_of(plan: TreatmentPlan, physician: Any) -> dict[str, str]:
    """The pages of a plan's parts: a goal, an intervention, a care-team member, a prescription."""
    prescription = plan.interventions.get(modality=Modality.MEDICATION)
    member = CareTeamMemberFactory.create(plan=plan, user=physician)
    return {
        "goal_edit": url("goal_edit", plan.goals.get()),
        "intervention_edit": url("intervention_edit", plan.interventions.get(modality=Modality.PHYSICAL_THERAPY)),
        "intervention_entered_in_error": url("intervention_entered_in_error", prescription),
        "team_remove": url("team_remove", member),
        "medication_edit": url("medication_edit", prescription.medication),
        "medication_stop": url("medication_stop", prescription.medication),
        "medication_entered_in_error": url("medication_entered_in_error", prescription.medication),
    }


# --- A draft's own pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PLAN_PAGES)
@pytest.mark.parametrize("role", NON_CLINICAL)
def test_a_drafts_pages_are_404_for_a_non_clinical_role(request, login, role, page, draft):
    assert login(request.getfixturevalue(role)).get(url(page, draft)).status_code == 404


@pytest.mark.parametrize(("method", "page"), PLAN_WRITES)
@pytest.mark.parametrize("role", NON_CLINICAL)
def test_a_drafts_writing_pages_are_404_for_a_non_clinical_role(request, login, role, method, page, draft):
    assert getattr(login(request.getfixturevalue(role)), method)(url(page, draft)).status_code == 404
    assert TreatmentPlan.objects.get().status == PlanStatus.DRAFT


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_pages_of_a_drafts_parts_are_404_for_a_non_clinical_role(request, login, role, draft, physician_a):
    assert_every_part_answers(login(request.getfixturevalue(role)), draft, physician_a, 404)


@pytest.mark.parametrize("page", PLAN_PAGES)
@pytest.mark.parametrize("role", CLINICIANS)
def test_a_clinician_still_reads_a_draft(request, login, role, page, draft):
    assert login(request.getfixturevalue(role)).get(url(page, draft)).status_code == 200


# --- An active plan's pages: there, but clinical ---------------------------------------------------


@pytest.mark.parametrize("page", PLAN_PAGES)
@pytest.mark.parametrize("role", NON_CLINICAL)
def test_an_active_plans_pages_stay_403_for_a_non_clinical_role(request, login, role, page, active):
    assert login(request.getfixturevalue(role)).get(url(page, active)).status_code == 403


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_pages_of_an_active_plans_parts_stay_403_for_a_non_clinical_role(request, login, role, active, physician_a):
    assert_every_part_answers(login(request.getfixturevalue(role)), active, physician_a, 403)


# --- The chart ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_chart_leaves_a_drafts_sessions_out_of_what_to_book(request, login, role, draft, patient_a):
    section = schedule_section(chart(login(request.getfixturevalue(role)), patient_a))
    assert PT_TO_BOOK not in section
    assert "No active treatment plan." in section


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_chart_shows_nothing_of_a_draft_to_a_non_clinical_role(request, login, role, draft, patient_a):
    html = chart(login(request.getfixturevalue(role)), patient_a)
    for word in (draft.title, "Draft", "Physical therapy", "Psychological", "xycodone", "Draft note", "MME"):
        assert word not in html, word
    assert url("detail", draft) not in html


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_chart_shows_an_active_plans_sessions_to_book(request, login, role, active, patient_a):
    section = schedule_section(chart(login(request.getfixturevalue(role)), patient_a))
    assert PT_TO_BOOK in section
    for clinical in (active.title, "xycodone", "Draft note", "MME"):
        assert clinical not in section, clinical


def test_a_draft_stays_on_the_physicians_chart(login, physician_a, draft, patient_a):
    html = chart(login(physician_a), patient_a)
    plans = html.split('data-testid="section-treatment_plans"')[1].split("</section>")[0]
    assert draft.title in plans and url("detail", draft) in plans


# --- The worklist and the home page ---------------------------------------------------------------------


@pytest.fixture
def rules(clinic_a: Any) -> Any:
    ensure_clinic_defaults(clinic_a)
    return clinic_a


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_a_drafts_sessions_are_not_on_the_worklist(request, login, role, rules, draft, patient_a):
    html = login(request.getfixturevalue(role)).get(reverse("scheduling:worklist")).content.decode()
    assert "Book physical therapy sessions" not in html
    assert patient_a.family_name not in html


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_an_active_plans_sessions_are_on_the_worklist(request, login, role, rules, active, patient_a):
    html = login(request.getfixturevalue(role)).get(reverse("scheduling:worklist")).content.decode()
    assert "Book physical therapy sessions" in html and patient_a.family_name in html
    assert "xycodone" not in html and active.title not in html


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_home_page_shows_nothing_of_a_draft(request, login, role, rules, draft, patient_a):
    html = login(request.getfixturevalue(role)).get("/").content.decode()
    for word in (draft.title, "Book physical therapy sessions", "xycodone"):
        assert word not in html, word


def test_a_draft_at_another_clinic_of_ones_own_is_a_plain_404_for_the_front_desk_there(
    login: Any, clinic_a: Any, clinic_b: Any, patient_a: Any, physician_a: Any
) -> None:
    from clinics.roles import Role
    from clinics.tests.factories import MembershipFactory, member
    from treatments.tests.factories import TreatmentPlanFactory

    user = member(clinic_b, Role.PHYSICIAN, "physician.b.frontdesk.a")
    MembershipFactory(user=user, clinic=clinic_a, role=Role.FRONT_DESK)
    draft = TreatmentPlanFactory.create(patient=patient_a, author=physician_a)
    assert draft.status == PlanStatus.DRAFT
    client = login(user)
    client.post(reverse("switch_clinic"), {"clinic": str(clinic_b.public_id)})
    response = client.get(reverse("treatments:detail", args=[draft.public_id]))
    assert response.status_code == 404  # not the switch page: nothing says the draft exists
