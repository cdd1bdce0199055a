"""The outcome scores on the chart: SVG drawn on the server, the band, treatment events, the table,
the confidence-interval arithmetic, and a query count that does not grow with the history."""

from __future__ import annotations

import re
import statistics
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from math import sqrt
from typing import Any

import pytest
from django.urls import reverse

from conftest import queries_of
from outcomes import charts
from outcomes.scoring import change, score_spec
from outcomes.selectors import change_band
from outcomes.stats import ci_from_summary, mean_ci, t_quantile_975
from treatments.models import InterventionStatus, Modality, PlanStatus
from treatments.tests.factories import TreatmentPlanFactory, intervention

from .staff_data import load_versions, score_of

NS = {"svg": charts.SVG_NS}
START = date(2024, 1, 10)


# --- the t quantile and the interval ---------------------------------------------------------


@pytest.mark.parametrize(("df", "expected"), [(1, 12.706), (9, 2.262), (10, 2.228), (30, 2.042)])
def test_the_t_quantile_comes_from_the_table_up_to_30_degrees(df: int, expected: float) -> None:
    assert t_quantile_975(df) == expected


@pytest.mark.parametrize(("df", "expected"), [(31, 2.040), (40, 2.021), (60, 2.000), (120, 1.980), (1000, 1.962)])
def test_the_t_quantile_beyond_30_is_within_a_thousandth_of_the_published_value(df: int, expected: float) -> None:
    assert abs(t_quantile_975(df) - expected) < 0.0011


def test_the_t_quantile_refuses_zero_degrees_of_freedom() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        t_quantile_975(0)


def test_the_interval_is_the_mean_plus_or_minus_t_sd_over_root_n() -> None:
    values = [-12, -8, -15, -3, 0, -20, -9, -11, -6, -14]
    result = mean_ci(values)
    mean, sd = statistics.mean(values), statistics.stdev(values)
    half = 2.262 * sd / sqrt(10)  # n = 10, df = 9
    assert result.n == 10
    assert result.mean == pytest.approx(mean)
    assert result.low == pytest.approx(mean - half)
    assert result.high == pytest.approx(mean + half)


def test_one_value_has_a_mean_but_no_interval_and_none_has_neither() -> None:
    assert ci_from_summary(1, Decimal(-4), None) == ci_from_summary(1, -4.0, None)
    one = mean_ci([Decimal(-4)])
    assert (one.n, one.mean, one.low, one.high) == (1, -4.0, None, None)
    assert mean_ci([]).mean is None


# --- the band agrees with the scoring's flags --------------------------------------------------


@pytest.mark.parametrize(("key", "baseline"), [("odi", "40.0"), ("odi", "20.0"), ("nrs_back", "8"), ("nrs_back", "5"),
                                               ("phq9", "14"), ("gad7", "10")])  # fmt: skip
def test_a_score_is_inside_the_band_exactly_when_the_scoring_flags_no_meaningful_change(
    db: None, key: str, baseline: str
) -> None:
    definition = load_versions()[key].parsed()
    spec = score_spec(definition)
    base = Decimal(baseline)
    band = change_band(spec, base)
    assert band is not None
    low, high = band
    step = Decimal("0.1") if key == "odi" else Decimal(1)
    value = spec.range.min
    while value <= spec.range.max:
        flags = change(definition, base, value)
        inside = low < value < high
        assert inside == (not flags.improved and not flags.worsened), (value, band)
        value += step


def test_the_odi_band_uses_the_smaller_of_ten_points_and_thirty_percent(db: None) -> None:
    spec = score_spec(load_versions()["odi"].parsed())
    assert change_band(spec, Decimal("60.0")) == (Decimal("50.0"), Decimal("70.0"))  # 30% would be 18
    assert change_band(spec, Decimal("20.0")) == (Decimal("14.0"), Decimal("26.0"))  # 30% = 6 < 10
    assert change_band(spec, Decimal("0.0")) == (Decimal("0"), Decimal("10"))  # points only, clipped at 0


# --- the renderer ------------------------------------------------------------------------------


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def test_the_renderer_draws_each_point_the_band_and_the_event_lines() -> None:
    odi = charts.Series(
        key="odi", label="ODI", y_min=Decimal(0), y_max=Decimal(100), band=(Decimal(30), Decimal(50)),
        points=[charts.Point(START + timedelta(days=30 * n), Decimal(40 - 5 * n), f"p{n}") for n in range(4)],
    )  # fmt: skip
    nrs = charts.Series(key="nrs_back", label="NRS <back> & leg", y_min=Decimal(0), y_max=Decimal(10),
                        points=[charts.Point(START, Decimal(7), "only")], marker="square", dash="6 3")  # fmt: skip
    empty = charts.Series(key="gad7", label="GAD-7", y_min=Decimal(0), y_max=Decimal(21), points=[])
    events = [charts.Event(START + timedelta(days=45), "Radiofrequency ablation", "procedure"),
              charts.Event(START + timedelta(days=5), "Plan started: A & B", "plan")]  # fmt: skip
    root = _parse(charts.render([odi, nrs, empty], events, title="Scores", today=START + timedelta(days=200)))
    groups = {g.get("data-series"): g for g in root.iterfind(".//svg:g[@class='series']", NS)}
    assert [len(g.findall("*[@class='point']")) for g in groups.values()] == [4, 1, 0]
    assert groups["nrs_back"].find("svg:rect[@class='point']", NS) is not None  # its own marker shape
    odi_line, nrs_line = groups["odi"].find("svg:polyline", NS), groups["nrs_back"].find("svg:polyline", NS)
    assert odi_line is not None and nrs_line is not None
    assert odi_line.get("stroke-dasharray") is None
    assert nrs_line.get("stroke-dasharray") == "6 3"
    bands = root.findall(".//svg:rect[@class='band']", NS)
    assert [(b.get("data-series"), b.get("data-low"), b.get("data-high")) for b in bands] == [("odi", "30", "50")]
    lines = root.findall(".//svg:line[@class='event']", NS)
    assert [line.findtext("svg:title", namespaces=NS) for line in lines] == [
        "2024-02-24: Radiofrequency ablation", "2024-01-15: Plan started: A & B"]  # fmt: skip
    # Later dates are further right; higher ODI further up (smaller y).
    circles = groups["odi"].findall("svg:circle", NS)
    xs = [float(c.get("cx", "0")) for c in circles]
    ys = [float(c.get("cy", "0")) for c in circles]
    assert xs == sorted(xs) and ys == sorted(ys)
    # The band's rectangle runs from the y of 50 to the y of 30 of the ODI panel.
    band = bands[0]
    assert float(band.get("height", "0")) == pytest.approx(96 * 20 / 100, abs=0.1)
    assert "No scores yet" in ET.tostring(groups["gad7"], encoding="unicode")
    assert "NRS &lt;back&gt; &amp; leg" in charts.render([nrs], [], title="t", today=START)


def test_the_time_axis_has_dated_ticks_within_the_range() -> None:
    ticks = charts.month_ticks(date(2024, 1, 10), date(2026, 1, 20))
    assert 3 <= len(ticks) <= 9
    assert all(t.day == 1 and date(2024, 1, 10) <= t <= date(2026, 1, 20) for t in ticks)


# --- the chart's section -----------------------------------------------------------------------


def _section_svg(html: str) -> ET.Element:
    section = html[html.index('data-testid="section-outcomes"') :]
    match = re.search(r"<svg xmlns=.*?</svg>", section, re.S)
    assert match, "no SVG in the outcomes section"
    return _parse(match.group(0))


def _history(patient: Any, physician: Any, versions: Any, months: int = 4) -> None:
    plan = TreatmentPlanFactory.create(patient=patient, author=physician, status=PlanStatus.ACTIVE,
                                       start_date=START + timedelta(days=20), review_date=START + timedelta(days=200))  # fmt: skip
    intervention(plan=plan, modality=Modality.PROCEDURE, status=InterventionStatus.DONE,
                 start_date=START + timedelta(days=40),
                 details={"procedure_type": "rfa", "cpt_code": "64635", "levels": ["L4", "L5"]})  # fmt: skip
    intervention(plan=plan, modality=Modality.PROCEDURE, status=InterventionStatus.PLANNED,
                 details={"procedure_type": "scs_implant"})  # not done: no event  # fmt: skip
    for month in range(months):
        on = START + timedelta(days=30 * month)
        score_of("odi", 50 - 4 * month, patient, versions, on)
        score_of("nrs_back", max(0, 8 - month), patient, versions, on)
        if month % 2 == 0:
            score_of("phq9", 12, patient, versions, on)


def _charted(client: Any, patient: Any, physician: Any, *, months: int) -> tuple[str, ET.Element]:
    """``months`` of scores and a plan for ``patient``; the chart page as the client sees it, and its SVG."""
    _history(patient, physician, load_versions(), months=months)
    html = client.get(reverse("patients:chart", args=[patient.public_id])).content.decode()
    return html, _section_svg(html)


def test_the_chart_draws_the_scores_the_band_and_the_treatment_events(
    login: Any, physician_a: Any, patient_a: Any
) -> None:
    html, root = _charted(login(physician_a), patient_a, physician_a, months=4)
    counts = {g.get("data-series"): len(g.findall("*[@class='point']")) for g in root.iterfind(".//svg:g[@class='series']", NS)}
    assert counts == {"odi": 4, "nrs_back": 4, "nrs_leg": 0, "phq9": 2, "gad7": 0}
    bands = {
        b.get("data-series"): (Decimal(b.get("data-low", "")), Decimal(b.get("data-high", "")))
        for b in root.iterfind(".//svg:rect[@class='band']", NS)
    }
    assert bands == {"odi": (40, 60), "nrs_back": (6, 10), "phq9": (7, 17)}
    lines = root.findall(".//svg:line[@class='event']", NS)
    assert sorted((line.get("data-date"), line.get("data-kind")) for line in lines) == [
        ((START + timedelta(days=20)).isoformat(), "plan"), ((START + timedelta(days=40)).isoformat(), "procedure")]  # fmt: skip
    assert "Radiofrequency ablation" in html


def test_the_table_beside_the_chart_holds_the_same_figures_as_the_points(
    login: Any, physician_a: Any, patient_a: Any
) -> None:
    html, root = _charted(login(physician_a), patient_a, physician_a, months=3)
    drawn = sorted(
        (g.get("data-series"), p.get("data-date"), p.get("data-value"))
        for g in root.iterfind(".//svg:g[@class='series']", NS)
        for p in g.findall("*[@class='point']")
    )
    table = html[html.index('data-testid="outcomes-table"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr data-series="([a-z0-9_]+)"><td>([0-9-]+)</td><td>[^<]*</td><td>([0-9.]+)</td>', table)
    assert sorted(rows) == drawn
    assert len(rows) == 3 + 3 + 2


def test_front_desk_does_not_see_the_outcome_scores(login: Any, frontdesk_a: Any, physician_a: Any, patient_a: Any) -> None:
    versions = load_versions()
    score_of("odi", 40, patient_a, versions, START)
    html = login(frontdesk_a).get(reverse("patients:chart", args=[patient_a.public_id])).content.decode()
    assert 'data-testid="section-outcomes"' not in html
    assert "outcomes-chart" not in html


# The whole chart page; the outcomes section's own share is 4 (versions, scores, interventions, plans).
CHART_MAX = 30


def test_the_chart_query_count_does_not_grow_with_two_years_of_six_instruments(
    login: Any, physician_a: Any, patient_a: Any, django_assert_max_num_queries: Any
) -> None:
    versions = load_versions()
    client = login(physician_a)
    address = reverse("patients:chart", args=[patient_a.public_id])
    _history(patient_a, physician_a, versions, months=1)
    few = queries_of(client, address)
    for month in range(24):  # two years, monthly, of six instruments
        on = START + timedelta(days=30 * month)
        for key, value in (("odi", 44 - month), ("nrs_back", 8 - month // 4), ("nrs_leg", 6 - month // 5),
                           ("phq9", 14 - month // 3), ("gad7", 9 - month // 3), ("pgic", 1 + month % 7)):  # fmt: skip
            score_of(key, value, patient_a, versions, on)
    assert queries_of(client, address) == few
    with django_assert_max_num_queries(CHART_MAX):
        html = client.get(address).content.decode()
    assert len(_section_svg(html).findall(".//*[@class='point']")) == 3 + 24 * 5
