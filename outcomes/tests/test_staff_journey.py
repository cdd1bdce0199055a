"""Staff half of the survey journey in Chromium: after the patient's answers are submitted, the
physician sees the new point on the chart (and in the table beside it), at 1280 and 390 px."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from .staff_data import load_versions, score_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POINTS = '[data-testid="outcomes-chart"] svg .point'
ROWS = '[data-testid="outcomes-table"] tbody tr'


def test_the_physician_sees_the_new_point_on_the_chart_after_the_patient_answers(
    browser_login: Any, live_server: Any, physician_a: Any, patient_a: Any, artifacts_dir: Any
) -> None:
    versions = load_versions()
    today = timezone.localdate()
    for month in range(4):
        on = today - timedelta(days=30 * (4 - month))
        score_of("odi", 48 - 6 * month, patient_a, versions, on)
        score_of("nrs_back", 8 - month, patient_a, versions, on)
        score_of("phq9", 12 - month, patient_a, versions, on)
    page = browser_login("physician.a")
    page.set_viewport_size({"width": 1280, "height": 900})
    chart = f"{live_server.url}/patients/{patient_a.public_id}/"
    page.goto(chart)
    before = page.locator(POINTS).count()
    assert before == 12
    assert page.locator(ROWS).count() == before

    # The patient submits the NRS items of a new wave (the survey form calls these same services).
    score_of("nrs_back", 3, patient_a, versions, today)
    score_of("nrs_leg", 4, patient_a, versions, today)
    page.reload()
    assert page.locator(POINTS).count() == before + 2
    assert page.locator(f'{POINTS}[data-value="3.0"]').count() == 1
    assert page.locator(ROWS).count() == before + 2
    section = page.locator('[data-testid="section-outcomes"]')
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(artifacts_dir / "outcomes-chart-1280.png"))

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator(POINTS).count() == before + 2
    # The chart scales to the phone's width: the drawing and its legend fit the screen.
    for selector in ('[data-testid="outcomes-chart"] figure > svg', '[data-testid="outcomes-legend"]'):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
    section.screenshot(path=str(artifacts_dir / "outcomes-chart-390.png"))

    page.goto(f"{live_server.url}/outcomes/")
    assert page.get_by_role("heading", name="Outcomes").is_visible()
    page.screenshot(path=str(artifacts_dir / "outcomes-page-390.png"), full_page=True)
