"""The neuromodulation trial rule of CLINICAL.md at its edges."""

from decimal import Decimal

import pytest

from treatments import trials
from treatments.trials import INCREASED, PUMP, REDUCED, SCS, STABLE


def test_it_computes_relief_as_a_share_of_the_baseline():
    assert trials.relief_percent(8, 4) == Decimal("50.0")
    assert trials.relief_percent(8, 3) == Decimal("62.5")
    assert trials.relief_percent(6, 7) == Decimal("-16.7")
    assert trials.relief_percent(0, 0) is None


@pytest.mark.parametrize("change", [REDUCED, STABLE])
def test_an_scs_trial_succeeds_at_exactly_50_percent_with_stable_or_reduced_analgesics(change):
    assert trials.trial_success(SCS, baseline=8, trial=4, analgesic_change=change) is True
    assert trials.trial_success(SCS, baseline=10, trial=5, analgesic_change=change) is True


def test_an_scs_trial_fails_just_under_50_percent():
    # 7 -> 4 is 42.9%; 9 -> 5 is 44.4%
    assert trials.trial_success(SCS, baseline=7, trial=4, analgesic_change=REDUCED) is False
    assert trials.trial_success(SCS, baseline=9, trial=5, analgesic_change=STABLE) is False


def test_an_scs_trial_fails_when_analgesic_use_increased_even_with_great_relief():
    assert trials.trial_success(SCS, baseline=8, trial=1, analgesic_change=INCREASED) is False


def test_an_scs_trial_is_undecided_without_the_analgesic_change():
    assert trials.trial_success(SCS, baseline=8, trial=2, analgesic_change="") is None


def test_a_pump_trial_needs_more_than_50_percent():
    assert trials.trial_success(PUMP, baseline=8, trial=4) is False  # exactly 50%: not enough
    assert trials.trial_success(PUMP, baseline=10, trial=5, analgesic_change=REDUCED) is False
    assert trials.trial_success(PUMP, baseline=9, trial=4) is True  # 55.6%


def test_a_pump_trial_ignores_analgesic_use():
    assert trials.trial_success(PUMP, baseline=8, trial=2, analgesic_change=INCREASED) is True


def test_it_is_undecided_while_figures_are_missing_or_the_baseline_is_zero():
    assert trials.trial_success(SCS, baseline=None, trial=3, analgesic_change=STABLE) is None
    assert trials.trial_success(SCS, baseline=8, trial=None, analgesic_change=STABLE) is None
    assert trials.trial_success(PUMP, baseline=0, trial=0) is None
