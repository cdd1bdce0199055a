"""Scoring vectors for every shipped instrument, from CLINICAL.md's rules."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outcomes.definitions import SHIPPED_DIR, InstrumentDefinition, load_definition_file, parse_definition
from outcomes.scoring import METHODS, InvalidAnswer, change, round_half_up, score
from outcomes.tests.survey_data import ODI_SECTIONS


def shipped(key: str) -> InstrumentDefinition:
    return load_definition_file(SHIPPED_DIR / f"{key}-1.yaml")


PHQ9 = shipped("phq9")
GAD7 = shipped("gad7")
ODI = shipped("odi")
NRS_BACK = shipped("nrs_back")
NRS_LEG = shipped("nrs_leg")
PGIC = shipped("pgic")
CLINIC = shipped("clinic_questions")


def items_summing_to(total: int, count: int, per_item_max: int) -> list[int]:
    """``count`` item scores, each at most ``per_item_max``, adding up to ``total`` (filled from the front)."""
    assert 0 <= total <= count * per_item_max
    scores = []
    for _ in range(count):
        take = min(per_item_max, total)
        scores.append(take)
        total -= take
    return scores


def phq9_answers(total: int, item9: int = 0) -> dict[str, str | None]:
    rest = items_summing_to(total - item9, 8, 3)
    answers: dict[str, str | None] = {f"item{n}": str(value) for n, value in enumerate(rest, start=1)}
    answers["item9"] = str(item9)
    return answers


def odi_answers(total: int, answered: int = 10) -> dict[str, str | None]:
    scores = items_summing_to(total, answered, 5)
    answers: dict[str, str | None] = dict.fromkeys(ODI_SECTIONS)
    for key, value in zip(ODI_SECTIONS[:answered], scores, strict=False):
        answers[key] = str(value)
    return answers


# --- PHQ-9 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none"),
        (4, "none"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_at_their_edges(total: int, band: str) -> None:
    result = score(PHQ9, phq9_answers(total, item9=max(0, total - 24)))
    assert result.scorable
    assert result.total == Decimal(total)
    assert result.band == band


def test_phq9_with_an_unanswered_item_is_not_scorable() -> None:
    answers = phq9_answers(12)
    answers["item4"] = None
    result = score(PHQ9, answers)
    assert not result.scorable
    assert result.total is None
    assert result.band is None
    assert "item4" in result.reason


def test_phq9_difficulty_question_is_optional_and_not_counted() -> None:
    answers = phq9_answers(7)
    without = score(PHQ9, answers)
    answers["difficulty"] = "extremely"
    with_it = score(PHQ9, answers)
    assert without.total == with_it.total == Decimal(7)
    assert with_it.item_scores["difficulty"] is None


@pytest.mark.parametrize(
    ("item1", "item2", "total", "band"),
    [(0, 0, 0, "negative"), (1, 1, 2, "negative"), (2, 1, 3, "positive"), (0, 3, 3, "positive"), (3, 3, 6, "positive")],
)
def test_phq2_is_items_one_and_two_positive_from_three(item1: int, item2: int, total: int, band: str) -> None:
    answers = phq9_answers(0)
    answers.update(item1=str(item1), item2=str(item2))
    phq2 = score(PHQ9, answers).subscores["phq2"]
    assert phq2.total == Decimal(total)
    assert phq2.band == band


def test_phq2_is_scored_even_when_a_later_phq9_item_is_missing() -> None:
    answers = phq9_answers(0)
    answers.update(item1="2", item2="2", item7=None)
    result = score(PHQ9, answers)
    assert not result.scorable
    assert result.subscores["phq2"].total == Decimal(4)
    assert result.subscores["phq2"].band == "positive"


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_item9_above_zero_raises_the_urgent_safety_alert(item9: int) -> None:
    result = score(PHQ9, phq9_answers(item9, item9=item9))
    assert [(alert.key, alert.level, alert.item) for alert in result.alerts] == [("self_harm", "urgent", "item9")]


def test_item9_at_zero_raises_no_alert_even_with_a_severe_score() -> None:
    result = score(PHQ9, phq9_answers(24, item9=0))
    assert result.band == "severe"
    assert result.alerts == ()


def test_item9_alert_is_raised_when_the_rest_of_the_form_is_unanswered() -> None:
    result = score(PHQ9, {"item9": "1"})
    assert not result.scorable
    assert [alert.key for alert in result.alerts] == ["self_harm"]


# --- GAD-7 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands_at_their_edges(total: int, band: str) -> None:
    answers = {f"item{n}": str(value) for n, value in enumerate(items_summing_to(total, 7, 3), start=1)}
    result = score(GAD7, answers)
    assert result.total == Decimal(total)
    assert result.band == band


def test_gad7_with_an_unanswered_item_is_not_scorable() -> None:
    answers: dict[str, str | None] = {f"item{n}": "3" for n in range(1, 8)}
    answers["item7"] = ""
    result = score(GAD7, answers)
    assert not result.scorable
    assert result.total is None


def test_gad7_meaningful_change_is_four_points_either_way() -> None:
    assert change(GAD7, Decimal(12), Decimal(8)).improved
    assert not change(GAD7, Decimal(12), Decimal(9)).improved
    assert change(GAD7, Decimal(8), Decimal(12)).worsened
    assert not change(GAD7, Decimal(8), Decimal(11)).worsened


# --- ODI -------------------------------------------------------------------------------------------


def test_odi_all_ten_sections_is_sum_over_fifty() -> None:
    result = score(ODI, odi_answers(23))
    assert result.total == Decimal("46.0")
    assert result.band == "severe"


def test_odi_one_missing_section_lowers_the_denominator_by_five() -> None:
    # CLINICAL.md's own example: 16 points over 9 answered sections = 35.6 (35.555... rounded).
    result = score(ODI, odi_answers(16, answered=9))
    assert result.scorable
    assert result.total == Decimal("35.6")
    assert result.band == "moderate"


def test_odi_two_missing_sections_is_not_scorable() -> None:
    result = score(ODI, odi_answers(16, answered=8))
    assert not result.scorable
    assert result.total is None
    assert result.band is None
    assert "2 item(s) unanswered" in result.reason


@pytest.mark.parametrize(
    ("total", "answered", "expected", "band"),
    [
        (10, 10, "20.0", "minimal"),
        (11, 10, "22.0", "moderate"),
        (9, 9, "20.0", "minimal"),
        (10, 9, "22.2", "moderate"),
        (20, 10, "40.0", "moderate"),
        (21, 10, "42.0", "severe"),
        (18, 9, "40.0", "moderate"),
        (19, 9, "42.2", "severe"),
        (30, 10, "60.0", "severe"),
        (31, 10, "62.0", "crippled"),
        (40, 10, "80.0", "crippled"),
        (41, 10, "82.0", "bed_bound"),
        (37, 9, "82.2", "bed_bound"),
        (0, 9, "0.0", "minimal"),
        (50, 10, "100.0", "bed_bound"),
        (45, 9, "100.0", "bed_bound"),
    ],
)
def test_odi_band_edges(total: int, answered: int, expected: str, band: str) -> None:
    result = score(ODI, odi_answers(total, answered))
    assert result.total == Decimal(expected)
    assert result.band == band


def test_odi_rounds_to_one_decimal_half_up_from_the_exact_value() -> None:
    # 17/45 x 100 = 37.777... -> 37.8; 1/45 x 100 = 2.222... -> 2.2
    assert score(ODI, odi_answers(17, answered=9)).total == Decimal("37.8")
    assert score(ODI, odi_answers(1, answered=9)).total == Decimal("2.2")


def test_odi_meaningful_change_is_ten_points_or_thirty_percent() -> None:
    assert change(ODI, Decimal("46.0"), Decimal("36.0")).improved  # 10 points
    assert change(ODI, Decimal("20.0"), Decimal("14.0")).improved  # 6 points, 30%
    assert not change(ODI, Decimal("46.0"), Decimal("36.2")).improved  # 9.8 points, 21%
    assert change(ODI, Decimal("30.0"), Decimal("40.0")).worsened
    assert not change(ODI, Decimal("40.0"), Decimal("48.0")).worsened  # 8 points, 20%


def test_odi_answer_out_of_range_is_refused() -> None:
    answers = odi_answers(10)
    answers["walking"] = "6"
    with pytest.raises(InvalidAnswer, match="walking"):
        score(ODI, answers)


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=5)), min_size=10, max_size=10))
def test_odi_property_score_is_within_0_100_and_scorable_iff_at_most_one_missing(values: list[int | None]) -> None:
    answers = {key: None if value is None else str(value) for key, value in zip(ODI_SECTIONS, values, strict=True)}
    result = score(ODI, answers)
    missing = values.count(None)
    assert result.scorable == (missing <= 1)
    if result.scorable:
        assert result.total is not None
        assert Decimal(0) <= result.total <= Decimal(100)
        answered = [value for value in values if value is not None]
        exact = Fraction(sum(answered) * 100, 5 * len(answered))
        assert abs(Fraction(result.total) - exact) <= Fraction(1, 20)
        assert result.total == result.total.quantize(Decimal("0.1"))


# --- The percent method's rounding at a band edge (a synthetic definition) -------------------------
# With the ODI's denominators (45 or 50) no exact value lies within 0.05 of a band edge, so the
# rounding cannot move a real ODI across one. The method is generic; this definition with a
# 0-2000 scale shows that bands apply to the ONE-DECIMAL score and that halves round up.


def synthetic_percent() -> InstrumentDefinition:
    data = copy.deepcopy(ODI.as_json())
    data.update(key="synthetic", placeholder=False)
    data["items"] = [{"kind": "scale", "key": "points", "min": 0, "max": 2000, "text": {"en": "Points"}}]
    data["scores"][0]["items"] = ["points"]
    data["scores"][0]["max_missing"] = 0
    return parse_definition(data, source="synthetic")


@pytest.mark.parametrize(
    ("points", "exact", "total", "band"),
    [
        (400, "20", "20.0", "minimal"),
        (401, "20.05", "20.1", "moderate"),  # a half: rounds up, and crosses into the next band
        (402, "20.1", "20.1", "moderate"),
        (800, "40", "40.0", "moderate"),
        (801, "40.05", "40.1", "severe"),
    ],
)
def test_percent_method_bands_apply_to_the_rounded_score(points: int, exact: str, total: str, band: str) -> None:
    definition = synthetic_percent()
    assert Fraction(points * 100, 2000) == Fraction(Decimal(exact))
    result = score(definition, {"points": str(points)})
    assert result.total == Decimal(total)
    assert result.band == band


def test_percent_method_just_above_an_edge_rounds_down_into_the_lower_band() -> None:
    data = synthetic_percent().as_json()
    data["items"][0]["max"] = 2001
    definition = parse_definition(data, source="synthetic")
    # 401 / 2001 = 20.0399...%: above 20 exactly, but 20.0 at one decimal, so minimal.
    result = score(definition, {"points": "401"})
    assert result.total == Decimal("20.0")
    assert result.band == "minimal"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Fraction(3555, 100), 1, "35.6"),
        (Fraction(3545, 100), 1, "35.5"),
        (Fraction(2025, 100), 1, "20.3"),
        (Fraction(-5, 100), 1, "-0.1"),
        (Fraction(5, 2), 0, "3"),
        (Fraction(160, 9) * 2, 1, "35.6"),
    ],
)
def test_round_half_up(value: Fraction, decimals: int, expected: str) -> None:
    assert round_half_up(value, decimals) == Decimal(expected)
    assert str(round_half_up(value, decimals)) == expected


# --- NRS -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("definition", [NRS_BACK, NRS_LEG], ids=["back", "leg"])
@pytest.mark.parametrize("value", [0, 3, 10])
def test_nrs_is_scored_as_given(definition: InstrumentDefinition, value: int) -> None:
    result = score(definition, {"pain": str(value)})
    assert result.total == Decimal(value)
    assert result.band is None


@pytest.mark.parametrize("bad", ["11", "-1", "3.5", "a lot"])
def test_nrs_refuses_an_answer_off_the_scale(bad: str) -> None:
    with pytest.raises(InvalidAnswer):
        score(NRS_BACK, {"pain": bad})


def test_nrs_unanswered_is_not_scorable() -> None:
    assert not score(NRS_LEG, {}).scorable


@pytest.mark.parametrize(
    ("baseline", "current", "improved", "worsened"),
    [
        (8, 6, True, False),  # 2 points (25%)
        (8, 7, False, False),  # 1 point, 12.5%
        (3, 2, True, False),  # 1 point but 33%: either rule is enough
        (10, 8, True, False),
        (6, 8, False, True),  # worse by 2 points
        (3, 4, False, True),  # worse by 33%
        (7, 8, False, False),  # worse by 1 point, 14%
        (0, 1, False, False),  # from 0 only the points rule can apply
        (0, 2, False, True),
        (5, 5, False, False),
    ],
)
def test_nrs_meaningful_change_is_two_points_or_thirty_percent(
    baseline: int, current: int, improved: bool, worsened: bool
) -> None:
    result = change(NRS_BACK, Decimal(baseline), Decimal(current))
    assert (result.improved, result.worsened) == (improved, worsened)
    assert result.points == Decimal(current - baseline)


def test_change_percent_is_relative_to_baseline() -> None:
    assert change(NRS_BACK, Decimal(6), Decimal(4)).percent == Decimal("-33.3")
    assert change(NRS_BACK, Decimal(4), Decimal(6)).percent == Decimal("50.0")
    assert change(NRS_BACK, Decimal(0), Decimal(6)).percent is None


def test_thirty_percent_exactly_meets_the_threshold() -> None:
    # 10 -> 7 is 3 points anyway; on the ODI, 20.0 -> 14.0 is 6 points and exactly 30%.
    assert change(ODI, Decimal("20.0"), Decimal("14.0")).improved
    assert not change(ODI, Decimal("20.0"), Decimal("14.1")).improved


# --- PHQ-9 change ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "current", "improved", "worsened"),
    [
        (15, 10, True, False),
        (15, 11, False, False),
        (10, 15, False, True),
        (10, 14, False, False),
        (2, 0, False, False),
    ],
)
def test_phq9_meaningful_change_is_five_points(baseline: int, current: int, improved: bool, worsened: bool) -> None:
    result = change(PHQ9, Decimal(baseline), Decimal(current))
    assert (result.improved, result.worsened) == (improved, worsened)


def test_phq2_has_no_change_threshold_so_is_never_flagged() -> None:
    result = change(PHQ9, Decimal(6), Decimal(0), score_key="phq2")
    assert result.points == Decimal(-6)
    assert not result.improved and not result.worsened


# --- PGIC ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "responder", "band"),
    [
        ("1", True, "much_improved"),
        ("2", True, "much_improved"),
        ("3", False, "minimally_improved"),
        ("4", False, "no_change"),
        ("7", False, "worse"),
    ],
)
def test_pgic_responder_is_much_or_very_much_improved(value: str, responder: bool, band: str) -> None:
    result = score(PGIC, {"change": value})
    assert result.total == Decimal(value)
    assert result.responder is responder
    assert result.band == band


def test_pgic_unanswered_has_no_responder_verdict() -> None:
    assert score(PGIC, {}).responder is None


# --- Clinic questions ------------------------------------------------------------------------------


def test_clinic_questions_score_satisfaction_and_keep_the_rest_as_answers() -> None:
    result = score(CLINIC, {"work_status": "off_work", "analgesic_use": "daily", "satisfaction": "4"})
    assert result.key == "satisfaction"
    assert result.total == Decimal(4)
    assert result.item_scores == {"work_status": None, "analgesic_use": None, "satisfaction": 4}


def test_an_unknown_item_or_option_is_refused() -> None:
    with pytest.raises(InvalidAnswer, match="no item named"):
        score(CLINIC, {"shoe_size": "44"})
    with pytest.raises(InvalidAnswer, match="work_status"):
        score(CLINIC, {"work_status": "astronaut"})


def test_scoring_methods_are_a_registry_of_the_definition_method_names() -> None:
    assert set(METHODS) == {"sum", "percent_of_answered", "single"}
