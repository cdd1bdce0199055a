"""The plan pages fit a 390 px wide phone screen: no sideways scrolling (issue 8)."""

import datetime

import pytest

from treatments.models import GoalKind, Modality, PlanStatus
from treatments.tests.factories import GoalFactory, InterventionFactory, TreatmentPlanFactory, medication


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_plan_pages_fit_a_390px_screen(browser_login, live_server, physician_a, patient_a, artifacts_dir):
    plan = TreatmentPlanFactory.create(
        patient=patient_a, author=physician_a, status=PlanStatus.DRAFT,
        title="Back to gardening and to walking the dog every morning", summary="A long summary. " * 20,
    )  # fmt: skip
    GoalFactory.create(plan=plan, kind=GoalKind.PAIN, baseline_value=8, target_value=4,
                       description="Garden for an hour without stopping", target_date=datetime.date(2025, 9, 1))  # fmt: skip
    GoalFactory.create(plan=plan, kind=GoalKind.FUNCTION, baseline_value=52, target_value=30)
    medication(plan, "oxycodone", "20", frequency="bid")
    medication(plan, "morphine", "5", frequency="q4h", route="intravenous")
    InterventionFactory.create(plan=plan, modality=Modality.PHYSICAL_THERAPY)
    InterventionFactory.create(plan=plan, modality=Modality.PROCEDURE,
                               details={"procedure_type": "esi_transforaminal", "levels": ["L4", "L5"],
                                        "side": "bilateral", "cpt_code": "64483"})  # fmt: skip
    page = browser_login("physician.a")
    page.set_viewport_size({"width": 390, "height": 844})

    for name, path in [("detail", ""), ("edit", "edit/"), ("print", "print/"), ("complete", "discontinue/")]:
        page.goto(f"{live_server.url}/plans/{plan.public_id}/{path}")
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        page.screenshot(path=str(artifacts_dir / f"plan-{name}-390.png"), full_page=True)
        assert widths[0] <= widths[1], f"{name}: {widths[0]} px wide in a {widths[1]} px screen"
