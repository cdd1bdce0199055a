"""A physician builds a plan in Chromium: medication, physical therapy and an SCS trial; records
the trial's result, activates the plan and prints it for the patient."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from treatments.models import Intervention, Modality, PlanStatus, TreatmentPlan


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_physician_builds_activates_and_prints_a_plan(
    browser_login, live_server, physician_a, patient_a, artifacts_dir
):
    today = datetime.datetime.now(ZoneInfo("America/Chicago")).date()
    page = browser_login("physician.a")

    def field(label: str):
        # crispy-forms marks required fields with an asterisk after the label
        return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))

    page.goto(f"{live_server.url}/patients/{patient_a.public_id}/")
    page.get_by_role("link", name="New treatment plan").click()

    field("Title").fill("Back to gardening")
    field("Start date").fill(today.isoformat())
    field("Review date").fill((today + datetime.timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Draft plan created").wait_for()

    page.get_by_role("link", name="Add a goal").click()
    field("Kind").select_option(label="Pain (NRS 0-10)")
    field("Baseline").fill("8")
    field("Target").fill("4")
    field("Description").fill("Garden for an hour")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Goal added.").wait_for()

    def add(kind: str) -> None:
        page.get_by_role("link", name="Add an intervention").click()
        page.get_by_role("link", name=kind, exact=True).click()

    add("Medication")
    field("Drug").select_option(label="Oxycodone")
    field("Dose").fill("10")
    field("Unit").select_option("mg")
    field("How often").select_option(label="Three times a day")
    field("Route").select_option(label="By mouth")
    field("Status").select_option(label="In progress")
    field("Start").fill(today.isoformat())
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Medication added.").wait_for()
    assert page.get_by_test_id("row-mme").inner_text() == "45 MME/day"

    add("Physical therapy")
    field("Core stabilisation").check()
    field("Strengthening").check()
    field("Sessions per week").fill("2")
    field("Number of weeks").fill("6")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Physical therapy added.").wait_for()

    add("Neuromodulation trial")
    field("Device").select_option(label="Spinal cord stimulator")
    field("CPT code").fill("63650")
    field("Lead levels").select_option(["T8", "T9"])
    field("Trial start").fill(today.isoformat())
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Neuromodulation trial added.").wait_for()
    assert "Trial result not recorded yet." in page.get_by_test_id("trial-outcome").inner_text()

    # Record the trial's result a week later.
    page.locator('[data-modality="neuromodulation_trial"]').get_by_role("link", name="Update").click()
    field("Status").select_option(label="Done")
    field("Trial end").fill((today + datetime.timedelta(days=7)).isoformat())
    field("Baseline pain (NRS)").fill("8")
    field("Pain during the trial (NRS)").fill("4")
    field("Analgesic use during the trial").select_option(label="Reduced")
    field("Decision").select_option(label="Implant")
    page.get_by_role("button", name="Save").click()
    outcome = page.get_by_test_id("trial-outcome").inner_text()
    assert "Relief 50.0%" in outcome and "Success by the trial rule" in outcome and "Implant" in outcome

    page.get_by_role("button", name="Activate plan").click()
    page.get_by_text("The plan is now active.").wait_for()
    assert page.get_by_test_id("plan-status").inner_text() == "Active"
    assert "Total: 45 MME/day" in page.get_by_test_id("mme-total").inner_text()

    plan = TreatmentPlan.objects.get(patient=patient_a)
    assert plan.status == PlanStatus.ACTIVE
    assert set(plan.interventions.values_list("modality", flat=True)) == {
        Modality.MEDICATION, Modality.PHYSICAL_THERAPY, Modality.NEUROMODULATION_TRIAL,
    }  # fmt: skip
    trial = Intervention.objects.get(plan=plan, modality=Modality.NEUROMODULATION_TRIAL)
    assert trial.trial.levels == ["T8", "T9"] and trial.trial.decision == "implant"

    page.get_by_role("link", name="Printable plan").click()
    page.get_by_role("heading", name="Your treatment plan").wait_for()
    text = page.locator("body").inner_text()
    assert "Oxycodone: 10 mg by mouth, three times a day." in text
    assert "Bring your pain down to about 4 out of 10." in text
    assert "A trial of a spinal cord stimulator" in text
    assert page.locator("nav.navbar").count() == 0
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts_dir / "plan-print.png"), full_page=True)
