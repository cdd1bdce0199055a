"""The chart: header, timeline and sections at a fixed number of queries; the records' edit history
on its own page (read only when opened), at a fixed number of queries too."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients import chart, services
from patients.icd import _icd
from patients.models import BloodValue, EmgFinding, SpinalFinding
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

# With the sections other apps register, the chart stays well under this, whatever the history.
CHART_MAX_QUERIES = 35  # 30, plus the Surveys (4) and Outcome scores sections: constant, see the equality below


def billable_codes(n: int) -> list[str]:
    codes = [c for c in _icd.get_descendants("M50-M54") if _icd.is_leaf(c) and _icd.is_subcategory(c)]
    return codes[:n]


# Evaluations of kinds with and without rows of findings (the rows are prefetched, never per row).
EVALUATIONS: list[tuple[str, dict[str, Any], Callable[[], list[Any]]]] = [
    ("mri", {"with_contrast": True}, lambda: [SpinalFinding(finding="stenosis", level="L4-L5", side="central")]),
    ("emg", {}, lambda: [EmgFinding(level="L5", side="left", chronicity="chronic")]),
    ("blood", {}, lambda: [BloodValue(test="crp", value=Decimal(4), unit="mg/L"), BloodValue(test="esr", value=Decimal(9), unit="mm/h")]),
]  # fmt: skip


def fill_history(patient: Any, by: Any, n: int, edits: int) -> None:
    """``n`` surgeries, evaluations and diagnoses, each edited ``edits`` times."""
    for i in range(n):
        surgery = services.surgery_record(
            patient=patient, by=by, date_year=2000 + i % 20, procedure="fusion", fusion_approach="tlif",
            levels=["L4", "L5"], hardware=["cage"],
        )  # fmt: skip
        day = datetime.date(2020, 1, 1) + datetime.timedelta(days=i)
        kind, findings, rows = EVALUATIONS[i % len(EVALUATIONS)]
        evaluation = services.evaluation_record(
            patient=patient, by=by, kind=kind, performed_on=day, findings=findings, rows=rows(),
            ordering_clinician=by, reviewing_clinician=by,
        )  # fmt: skip
        diagnosis = services.diagnosis_add(patient=patient, by=by, code=billable_codes(n)[i])
        for e in range(edits):
            services.surgery_update(surgery=surgery, by=by, surgeon=f"Dr {e}", notes=f"edit {e}")
            services.evaluation_update(evaluation=evaluation, by=by, impression=f"edit {e}")
            services.diagnosis_update(diagnosis=diagnosis, by=by, notes=f"edit {e}")


def chart_queries(client: Any, patient: Any, page: str = "patients:chart") -> tuple[int, str]:
    url = reverse(page, args=[patient.public_id])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_chart_query_count_does_not_grow_with_the_history(
    login, clinic_a, physician_a, django_assert_max_num_queries
):
    client = login(physician_a)
    small = PatientFactory.create(
        clinic=clinic_a, primary_physician=physician_a, date_of_birth=datetime.date(1960, 1, 1)
    )
    fill_history(small, physician_a, n=1, edits=1)
    big = PatientFactory.create(clinic=clinic_a, primary_physician=physician_a, date_of_birth=datetime.date(1960, 1, 1))
    fill_history(big, physician_a, n=55, edits=3)

    # Filling the big history can take longer than the session's idle-clock refresh (15 s): let
    # that one write happen before counting, so both counts are of a page and nothing else.
    client.get(reverse("patients:chart", args=[small.public_id]))
    small_count, _ = chart_queries(client, small)
    with django_assert_max_num_queries(CHART_MAX_QUERIES):
        big_count, html = chart_queries(client, big)
    assert big_count == small_count
    # The newest of the history; the rest, and who changed what, on the history page.
    assert html.count('class="timeline-item"') == chart.TIMELINE_ON_CHART
    assert 'data-testid="history"' not in html
    assert html.count('data-testid="history-link"') == 55 + 55 + chart.EVALUATIONS_ON_CHART
    assert 'data-testid="older-evaluations"' in html


# The history page: the whole timeline (every app's source), the three kinds of records, one query
# per history table (the record's own and one per table of rows of findings), the entered-in-error
# tables, session and access log. Measured with 55 records of each kind edited 3 times.
HISTORY_MAX_QUERIES = 36


def test_the_history_page_query_count_does_not_grow_with_the_history(
    login, clinic_a, physician_a, django_assert_max_num_queries
):
    client = login(physician_a)
    small = PatientFactory.create(clinic=clinic_a, primary_physician=physician_a)
    fill_history(small, physician_a, n=1, edits=1)
    big = PatientFactory.create(clinic=clinic_a, primary_physician=physician_a)
    fill_history(big, physician_a, n=55, edits=3)

    client.get(reverse("patients:history", args=[small.public_id]))  # the session clock's write, as above
    small_count, _ = chart_queries(client, small, "patients:history")
    with django_assert_max_num_queries(HISTORY_MAX_QUERIES):
        big_count, html = chart_queries(client, big, "patients:history")
    assert big_count == small_count
    assert html.count('data-kind="surgery"') == 55
    assert html.count('data-kind="evaluation"') == 55
    assert html.count('data-kind="diagnosis"') == 55
    assert html.count('data-testid="history"') == 3 * 55
    # Surgeries and diagnoses: created and edited 3 times (evaluations add their rows' versions).
    assert html.count("History (4 entries)") >= 2 * 55


def test_the_history_page_is_for_clinicians_only(login, frontdesk_a, patient_a):
    response = login(frontdesk_a).get(reverse("patients:history", args=[patient_a.public_id]))
    assert response.status_code == 403


@pytest.fixture
def charted(patient_a: Any, physician_a: Any, therapist_a: Any) -> Any:
    patient_a.smoking_status = "current"
    patient_a.height_cm, patient_a.weight_kg = 170, 95
    patient_a.workers_comp_claim = True
    patient_a.opioid_use_at_intake = True
    patient_a.save()
    by = physician_a
    services.surgery_record(patient=patient_a, by=by, date_year=2010, procedure="microdiscectomy", levels=["L5"])
    fusion = services.surgery_record(
        patient=patient_a, by=by, date_year=2014, date_month=9, procedure="fusion", fusion_approach="plif",
        levels=["L4", "L5", "S1"], hardware=["pedicle_screws_rods", "cage"],
    )  # fmt: skip
    services.surgery_update(surgery=fusion, by=therapist_a, procedure="fusion", fusion_approach="tlif")
    services.evaluation_record(
        patient=patient_a, by=by, kind="emg", performed_on=datetime.date(2023, 5, 2),
        rows=[EmgFinding(level="S1", side="left", chronicity="chronic")],
    )  # fmt: skip
    services.diagnosis_add(
        patient=patient_a, by=by, code="M96.1", is_primary=True, diagnosed_on=datetime.date(2023, 5, 3)
    )
    services.diagnosis_add(patient=patient_a, by=by, code="G89.4", diagnosed_on=datetime.date(2023, 5, 3),
                           resolved_on=datetime.date(2024, 1, 1))  # fmt: skip
    return patient_a


def test_the_header_shows_diagnoses_and_risk_flags(login, physician_a, charted):
    _, html = chart_queries(login(physician_a), charted)
    header = html[html.index('data-testid="chart-header"') : html.index('data-testid="timeline"')]
    assert "M96.1 · primary" in header
    assert "Postlaminectomy syndrome" in header
    assert "G89.4" not in header  # resolved
    for flag in ("2 prior spine surgeries", "Smoker", "BMI 32.9", "Workers&#x27; compensation", "Opioids at intake"):
        assert flag in header, flag


def test_the_timeline_lists_everything_newest_first_with_partial_dates_as_remembered(login, physician_a, charted):
    _, html = chart_queries(login(physician_a), charted)
    timeline = html[html.index('data-testid="timeline"') :]
    order = [timeline.index(s) for s in ("2023-05-03", "2023-05-02", "2014-09", "2010")]
    assert order == sorted(order)
    assert "Surgery: Fusion" in timeline and "L4-S1" in timeline
    assert "Radiculopathy S1, left, chronic" in timeline


def test_each_record_shows_who_changed_what(login, physician_a, therapist_a, charted):
    _, html = chart_queries(login(physician_a), charted, "patients:history")
    section = html[html.index('data-testid="surgeries"') :]
    assert "History (2 entries)" in section
    assert therapist_a.get_full_name() in section
    assert "<del>PLIF (posterior)</del> → TLIF (transforaminal)" in section


def test_a_history_entry_shows_a_demoted_primary(login, physician_a, patient_a):
    services.diagnosis_add(patient=patient_a, by=physician_a, code="M96.1", is_primary=True)
    services.diagnosis_add(patient=patient_a, by=physician_a, code="G89.4", is_primary=True)
    _, html = chart_queries(login(physician_a), patient_a, "patients:history")
    section = html[html.index('data-testid="diagnoses"') :]
    assert "Primary diagnosis: <del>yes</del> → no" in section


def test_a_findings_edit_shows_before_and_after_in_words(login, physician_a, patient_a):
    evaluation = services.evaluation_record(
        patient=patient_a, by=physician_a, kind="mri", performed_on=datetime.date(2024, 1, 10),
        findings={},
    )  # fmt: skip
    services.evaluation_update(evaluation=evaluation, by=physician_a, findings={"with_contrast": True})
    section = evaluations_section(login(physician_a), patient_a)
    assert "Findings: <del>—</del> → With contrast" in section


def an_emg(patient: Any, by: Any) -> Any:
    return services.evaluation_record(
        patient=patient, by=by, kind="emg", performed_on=datetime.date(2024, 1, 10),
        rows=[EmgFinding(level="L5", side="left", chronicity="chronic")],
    )  # fmt: skip


def evaluations_section(client: Any, patient: Any) -> str:
    _, html = chart_queries(client, patient, "patients:history")
    return html[html.index('data-testid="evaluations"') :]


def test_a_row_edit_shows_before_and_after_in_words(login, physician_a, patient_a):
    evaluation = an_emg(patient_a, physician_a)
    services.evaluation_update(evaluation=evaluation, by=physician_a, rows=[])
    services.evaluation_update(
        evaluation=evaluation, by=physician_a, rows=[EmgFinding(level="S1", side="right", chronicity="acute")]
    )
    section = evaluations_section(login(physician_a), patient_a)
    assert "Radiculopathy: <del>—</del> → Radiculopathy L5, left, chronic" in section
    assert "Radiculopathy: <del>Radiculopathy L5, left, chronic</del> → —" in section
    assert "Radiculopathy: <del>—</del> → Radiculopathy S1, right, acute" in section


def test_a_changed_row_shows_the_field_before_and_after(login, physician_a, patient_a):
    evaluation = an_emg(patient_a, physician_a)
    row = evaluation.emg_findings.get()
    row.side = "right"
    services.evaluation_update(evaluation=evaluation, by=physician_a, rows=[row])
    section = evaluations_section(login(physician_a), patient_a)
    assert "Radiculopathy: side: <del>Left</del> → Right" in section


def test_entries_of_different_apps_on_the_same_day_sort_together(rf: Any) -> None:
    """An appointment (keyed by clock time as text) and a record (keyed by numbers) on one day:
    the timeline sorts them instead of raising TypeError (a 500 on the chart)."""
    from patients import chart

    day = datetime.date(2026, 11, 2)
    sources = {
        "test-numbers": lambda p, r: [chart.TimelineEntry(when=day, kind="surgery", title="S", sort_key=(0, 7))],
        "test-clock": lambda p, r: [chart.TimelineEntry(when=day, kind="appointment", title="A", sort_key=("09:00:00",))],
    }
    saved = dict(chart._TIMELINE)
    chart._TIMELINE.clear()
    chart._TIMELINE.update(sources)
    try:
        entries = chart.timeline_for(None, rf.get("/"))
    finally:
        chart._TIMELINE.clear()
        chart._TIMELINE.update(saved)
    assert [e.title for e in entries] == ["A", "S"]
