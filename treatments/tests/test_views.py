import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from clinics.models import AccessLog
from treatments.models import Intervention, InterventionStatus, Modality, PlanStatus, TreatmentPlan
from treatments.tests.factories import CareTeamMemberFactory, GoalFactory, InterventionFactory, medication


def url(name, obj):
    return reverse(f"treatments:{name}", args=[obj.public_id])


@pytest.fixture
def parts(plan_a, physician_a):
    goal = plan_a.goals.first()
    intervention = plan_a.interventions.first()
    member = CareTeamMemberFactory.create(plan=plan_a, user=physician_a)
    return {"plan": plan_a, "goal": goal, "intervention": intervention, "member": member}


def all_urls(parts, patient):
    plan = parts["plan"]
    return [
        ("get", reverse("treatments:create", args=[patient.public_id])),
        *[
            ("get", url(n, plan))
            for n in ["detail", "edit", "discontinue", "history", "print", "goal_add", "team_add", "intervention_add"]
        ],
        *[("post", url(n, plan)) for n in ["activate", "complete"]],
        ("get", url("goal_edit", parts["goal"])),
        ("get", url("intervention_edit", parts["intervention"])),
        ("post", url("team_remove", parts["member"])),
    ]


def test_it_rejects_the_outsider_on_every_view(login, outsider, parts, patient_a):
    client = login(outsider)
    for method, address in all_urls(parts, patient_a):
        assert getattr(client, method)(address).status_code == 404, address
    assert TreatmentPlan.objects.get().status == PlanStatus.DRAFT


def test_it_answers_404_for_unknown_ids(login, physician_a):
    client = login(physician_a)
    assert client.get(reverse("treatments:detail", args=[uuid.uuid4()])).status_code == 404
    assert client.get("/plans/not-a-uuid/").status_code == 404


def test_it_sends_anonymous_visitors_to_login(client, parts):
    response = client.get(url("detail", parts["plan"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_front_desk_sees_no_plan_pages(login, frontdesk_a, parts, patient_a):
    # An active plan's pages are 403 (clinical); a draft's are 404 (test_draft_privacy.py).
    parts["plan"].status = PlanStatus.ACTIVE
    parts["plan"].save()
    client = login(frontdesk_a)
    for method, address in all_urls(parts, patient_a):
        assert getattr(client, method)(address).status_code == 403, address


def test_front_desk_sees_sessions_to_book_but_no_medication_or_notes(
    login, frontdesk_a, plan_a, patient_a, physician_a
):
    plan_a.status = PlanStatus.ACTIVE  # what is to be booked comes from active plans only
    plan_a.save()
    medication(plan_a, "oxycodone", "10")
    Intervention.objects.filter(modality=Modality.PHYSICAL_THERAPY).update(notes="Private note about mood")
    response = login(frontdesk_a).get(reverse("patients:chart", args=[patient_a.public_id]))
    html = response.content.decode()
    assert 'data-testid="section-treatment_schedule"' in html
    assert "2 sessions a week for 6 weeks" in html
    assert "Oxycodone" not in html and "MME" not in html and "Private note" not in html
    assert plan_a.title not in html  # free-text title may be clinical
    assert 'data-testid="section-treatment_plans"' not in html


def test_physician_creates_a_plan(login, physician_a, patient_a):
    client = login(physician_a)
    response = client.post(
        reverse("treatments:create", args=[patient_a.public_id]),
        {"title": "Move again", "start_date": "2025-03-01", "review_date": "2025-06-01", "summary": ""},
    )
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", plan)
    assert plan.author == physician_a and plan.patient == patient_a


@pytest.mark.parametrize("role_fixture", ["therapist_a", "psychologist_a", "nurse_a"])
def test_only_physicians_write_plans(request, login, role_fixture, parts, patient_a):
    client = login(request.getfixturevalue(role_fixture))
    assert client.get(url("detail", parts["plan"])).status_code == 200
    assert client.post(url("activate", parts["plan"])).status_code == 403
    assert client.get(reverse("treatments:create", args=[patient_a.public_id])).status_code == 403
    assert client.get(url("goal_add", parts["plan"])).status_code == 403
    assert TreatmentPlan.objects.get().status == PlanStatus.DRAFT


PT_POST = {"status": "in_progress", "start_date": "2025-03-03", "end_date": "", "notes": "Good progress",
           "focus": ["core", "strengthening"], "sessions_per_week": "3", "weeks": "8"}  # fmt: skip


def test_a_therapist_updates_physical_therapy(login, therapist_a, plan_a):
    pt = plan_a.interventions.get(modality=Modality.PHYSICAL_THERAPY)
    response = login(therapist_a).post(url("intervention_edit", pt), PT_POST)
    assert response.status_code == 302
    pt.refresh_from_db()
    assert pt.status == InterventionStatus.IN_PROGRESS
    assert pt.details == {"focus": ["core", "strengthening"], "sessions_per_week": 3, "weeks": 8}
    assert pt.history.first().history_user == therapist_a


def test_a_therapist_cannot_update_another_disciplines_intervention(login, therapist_a, plan_a):
    psych = plan_a.interventions.get(modality=Modality.PSYCHOLOGICAL)
    client = login(therapist_a)
    assert client.get(url("intervention_edit", psych)).status_code == 403
    med = medication(plan_a, "morphine", "10")
    response = client.post(
        url("intervention_edit", med),
        {"status": "stopped", "drug": "morphine", "dose": "100", "unit": "mg", "frequency": "qid", "route": "oral"},
    )
    assert response.status_code == 403
    med.refresh_from_db()
    assert med.medication.dose == 10


def test_a_psychologist_updates_psychology_only(login, psychologist_a, plan_a):
    client = login(psychologist_a)
    psych = plan_a.interventions.get(modality=Modality.PSYCHOLOGICAL)
    pt = plan_a.interventions.get(modality=Modality.PHYSICAL_THERAPY)
    response = client.post(
        url("intervention_edit", psych), {"status": "scheduled", "approach": "mindfulness", "sessions": "10"}
    )
    assert response.status_code == 302
    psych.refresh_from_db()
    assert psych.details == {"approach": "mindfulness", "sessions": 10}
    assert client.post(url("intervention_edit", pt), PT_POST).status_code == 403


def test_the_plan_page_shows_edit_buttons_by_discipline(login, therapist_a, plan_a):
    html = login(therapist_a).get(url("detail", plan_a)).content.decode()
    pt = plan_a.interventions.get(modality=Modality.PHYSICAL_THERAPY)
    psych = plan_a.interventions.get(modality=Modality.PSYCHOLOGICAL)
    assert url("intervention_edit", pt) in html
    assert url("intervention_edit", psych) not in html
    assert url("edit", plan_a) not in html


def test_the_plan_page_shows_the_total_mme_and_the_naloxone_prompt(login, physician_a, plan_a):
    plan_a.status = PlanStatus.ACTIVE
    plan_a.save()
    today = datetime.datetime.now(ZoneInfo("America/Chicago")).date()
    medication(plan_a, "oxycodone", "10", frequency="tid", start_date=today)  # 45
    medication(
        plan_a, "fentanyl_patch", "12", unit="mcg/hr", frequency="patch72", route="transdermal", start_date=today
    )  # 28.8
    medication(plan_a, "buprenorphine", "8", frequency="qd", route="sublingual", start_date=today)
    html = login(physician_a).get(url("detail", plan_a)).content.decode()
    assert "Total: 73.8 MME/day" in html
    assert 'data-testid="naloxone-prompt"' in html
    assert "Buprenorphine is shown but not added" in html


def test_activation_conflict_is_a_message_not_a_500(login, physician_a, plan_a, patient_a):
    plan_a.status = PlanStatus.ACTIVE
    plan_a.save()
    from treatments.tests.factories import TreatmentPlanFactory

    other = TreatmentPlanFactory.create(patient=patient_a, author=physician_a)
    GoalFactory.create(plan=other)
    InterventionFactory.create(plan=other)
    response = login(physician_a).post(url("activate", other), follow=True)
    assert response.status_code == 200
    assert "already has an active plan" in response.content.decode()
    other.refresh_from_db()
    assert other.status == PlanStatus.DRAFT


def test_the_print_view_has_no_chrome_and_is_logged(login, physician_a, plan_a, patient_a):
    medication(plan_a, "oxycodone", "10")
    response = login(physician_a).get(url("print", plan_a))
    html = response.content.decode()
    assert response.status_code == 200
    assert "navbar" not in html and "Log out" not in html
    assert "Oxycodone: 10 mg by mouth, twice a day." in html
    assert "Bring your pain down to about 4 out of 10." in html
    assert AccessLog.objects.filter(patient_public_id=patient_a.public_id, action=AccessLog.Action.PRINT).count() == 1


def test_the_history_page_lists_changes(login, physician_a, plan_a):
    client = login(physician_a)
    client.post(url("edit", plan_a), {"title": "Renamed", "start_date": "2025-03-01", "review_date": "2025-06-01"})
    html = client.get(url("history", plan_a)).content.decode()
    assert "Renamed" in html and "Back on my feet" in html


def test_the_add_intervention_page_refuses_unknown_kinds(login, physician_a, plan_a):
    client = login(physician_a)
    assert client.get(url("intervention_add", plan_a)).status_code == 200
    assert client.get(url("intervention_add", plan_a) + "?kind=teleportation").status_code == 404


def test_a_closed_plan_offers_no_changes(login, physician_a, plan_a):
    plan_a.status = PlanStatus.DISCONTINUED
    plan_a.discontinued_reason = "Patient moved"
    plan_a.save()
    client = login(physician_a)
    response = client.post(url("edit", plan_a), {"title": "X", "start_date": "2025-03-01", "review_date": "2025-06-01"})
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.title == "Back on my feet"


def test_the_home_panel_lists_plans_due_for_review(login, physician_a, plan_a):
    plan_a.status = PlanStatus.ACTIVE
    plan_a.review_date = datetime.datetime.now(ZoneInfo("America/Chicago")).date()
    plan_a.save()
    html = login(physician_a).get("/").content.decode()
    assert 'data-testid="plans-due"' in html and url("detail", plan_a) in html


def test_the_history_page_names_who_changed_which_detail_in_plain_words(login, physician_a, therapist_a, plan_a):
    pt = plan_a.interventions.get(modality=Modality.PHYSICAL_THERAPY)
    login(therapist_a).post(url("intervention_edit", pt), PT_POST)

    html = login(physician_a).get(url("history", plan_a)).content.decode()

    assert therapist_a.username in html or therapist_a.get_full_name() in html
    assert "Sessions per week" in html
    assert "sessions_per_week" not in html
    assert "Core stabilisation, Strengthening" in html


def test_a_patient_marked_deceased_on_the_edit_form_has_the_plan_discontinued(login, frontdesk_a, plan_a, patient_a):
    data = {
        "given_name": patient_a.given_name, "family_name": patient_a.family_name, "mrn": patient_a.mrn,
        "date_of_birth": patient_a.date_of_birth.isoformat(), "sex": patient_a.sex, "preferred_channel": "none",
        "preferred_language": "en", "status": "deceased", "status_date": "2025-04-01",
    }  # fmt: skip
    response = login(frontdesk_a).post(reverse("patients:edit", args=[patient_a.public_id]), data)
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == PlanStatus.DISCONTINUED
