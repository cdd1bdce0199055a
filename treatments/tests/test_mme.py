"""MME/day against cases computed by hand from the CDC 2022 factors (CLINICAL.md)."""

from datetime import date
from decimal import Decimal

import pytest

from treatments import mme
from treatments.mme import Level, Prescription

D = Decimal
TODAY = date(2025, 5, 1)


def rx(drug: str, dose: str, per_day: str = "1", unit: str | None = None, **kw) -> Prescription:
    unit = unit or ("mcg/hr" if drug == "fentanyl_patch" else "mg")
    kw.setdefault("start", date(2025, 1, 1))
    kw.setdefault("route", "transdermal" if drug == "fentanyl_patch" else "oral")
    return Prescription(drug=drug, dose=D(dose), unit=unit, doses_per_day=D(per_day), **kw)


@pytest.mark.parametrize(
    ("drug", "dose", "per_day", "expected"),
    [
        ("oxycodone", "10", "2", "30"),  # 20 mg x 1.5
        ("morphine", "15", "3", "45"),  # 45 mg x 1
        ("hydrocodone", "5", "4", "20"),  # 20 mg x 1
        ("hydromorphone", "2", "6", "60"),  # 12 mg x 5
        ("codeine", "30", "4", "18"),  # 120 mg x 0.15
        ("tramadol", "50", "4", "40"),  # 200 mg x 0.2
        ("tapentadol", "100", "2", "80"),  # 200 mg x 0.4
        ("oxymorphone", "5", "2", "30"),  # 10 mg x 3
        ("methadone", "10", "3", "141"),  # 30 mg x 4.7
        ("methadone", "2.5", "2", "23.5"),  # 5 mg x 4.7
    ],
)
def test_it_computes_mme_per_day_of_oral_opioids(drug, dose, per_day, expected):
    assert mme.daily_mme(rx(drug, dose, per_day)) == D(expected)


@pytest.mark.parametrize(("mcg_hr", "expected"), [("12", "28.8"), ("25", "60"), ("50", "120"), ("100", "240")])
def test_it_computes_fentanyl_patches_per_mcg_hr_whatever_the_change_interval(mcg_hr, expected):
    # A patch changed every 72 h is stored with 1 "dose" a day; the figure must not depend on it.
    assert mme.daily_mme(rx("fentanyl_patch", mcg_hr, "1")) == D(expected)
    assert mme.daily_mme(rx("fentanyl_patch", mcg_hr, "0.333")) == D(expected)


def test_it_refuses_a_factor_for_the_wrong_unit():
    assert mme.daily_mme(rx("fentanyl_patch", "25", unit="mg")) is None
    assert mme.daily_mme(rx("oxycodone", "10", "2", unit="mcg")) is None


def test_it_gives_no_factor_for_buprenorphine_or_non_opioids():
    assert mme.daily_mme(rx("buprenorphine", "8", "1")) is None
    assert mme.daily_mme(rx("gabapentin", "300", "3")) is None


def test_it_sums_several_prescriptions_at_once():
    total = mme.total_mme(
        [
            rx("oxycodone", "10", "3"),
            rx("fentanyl_patch", "25"),
            rx("tramadol", "50", "2"),
            rx("gabapentin", "300", "3"),
        ],
        on=TODAY,
    )
    # 45 + 60 + 20; gabapentin is not an opioid
    assert total.mme == D("125")
    assert len(total.counted) == 3
    assert total.level is Level.HIGH
    assert total.offer_naloxone


def test_it_leaves_out_stopped_ended_and_future_prescriptions():
    prescriptions = [
        rx("oxycodone", "10", "2"),  # 30, current
        rx("morphine", "30", "2", ended=True),  # marked stopped
        rx("hydrocodone", "10", "4", stop=date(2025, 4, 30)),  # stop date passed
        rx("tapentadol", "50", "2", start=date(2025, 5, 2)),  # starts tomorrow
        rx("tramadol", "50", "4", start=None),  # never started
        rx("codeine", "30", "4", stop=TODAY),  # last day today: still counts (18)
    ]
    assert mme.total_mme(prescriptions, on=TODAY).mme == D("48")


def test_it_shows_buprenorphine_but_does_not_add_it():
    total = mme.total_mme([rx("buprenorphine", "8", "2"), rx("morphine", "20", "2")], on=TODAY)
    assert total.mme == D("40")
    assert [p.drug for p in total.not_summed] == ["buprenorphine"]


def test_it_gives_zero_for_no_prescriptions():
    total = mme.total_mme([], on=TODAY)
    assert total.mme == 0
    assert total.level is Level.NONE
    assert not total.offer_naloxone


@pytest.mark.parametrize(
    ("value", "level"),
    [("49.9", Level.NONE), ("50", Level.REASSESS), ("89.9", Level.REASSESS), ("90", Level.HIGH), ("400", Level.HIGH)],
)
def test_its_warning_levels_start_at_50_and_90(value, level):
    assert mme.level_of(D(value)) is level


def test_it_displays_one_decimal_at_most():
    assert mme.fmt(D("58.80")) == "58.8"
    assert mme.fmt(D("60.0")) == "60"
    assert mme.fmt(D("28.84")) == "28.8"
