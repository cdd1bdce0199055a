"""What the kinds of intervention accept and refuse (validated on every full_clean)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from treatments import kinds
from treatments.models import InterventionStatus, Modality
from treatments.tests.factories import intervention


def clean(plan, modality, details, **kw):
    return intervention(plan=plan, modality=modality, details=details, **kw)


def errors(plan, modality, details, **kw):
    with pytest.raises(ValidationError) as exc:
        clean(plan, modality, details, **kw)
    return exc.value.message_dict


PROC = {"procedure_type": "esi_transforaminal", "levels": ["L5", "L4"], "side": "left"}


def test_it_orders_levels_and_keeps_known_cpt_codes(plan_a):
    i = clean(plan_a, Modality.PROCEDURE, {**PROC, "cpt_code": "64483"})
    assert i.procedure.levels == ["L4", "L5"]
    assert kinds.summary(i) == "Epidural steroid injection, transforaminal, CPT 64483, L4-L5, left"


@pytest.mark.parametrize("code", ["6448", "644833", "ABCDE", "64 83"])
def test_it_refuses_malformed_cpt_codes(plan_a, code):
    assert "cpt_code" in errors(plan_a, Modality.PROCEDURE, {**PROC, "cpt_code": code})


def test_an_unlisted_five_digit_code_needs_confirmation(plan_a):
    assert (
        "not on the clinic's list" in errors(plan_a, Modality.PROCEDURE, {**PROC, "cpt_code": "20552"})["cpt_code"][0]
    )
    i = clean(plan_a, Modality.PROCEDURE, {**PROC, "cpt_code": "20552", "cpt_confirmed": True})
    assert i.procedure.cpt_code == "20552"


def test_it_refuses_unknown_spinal_levels(plan_a):
    assert "levels" in errors(plan_a, Modality.PROCEDURE, {**PROC, "levels": ["L6"]})


def test_results_wait_for_the_procedure_to_be_done(plan_a):
    details = {**PROC, "pain_before": 8, "pain_after": 2}
    assert "status" in errors(plan_a, Modality.PROCEDURE, details, status=InterventionStatus.PLANNED)
    i = clean(plan_a, Modality.PROCEDURE, details, status=InterventionStatus.DONE, start_date=datetime.date(2025, 4, 1))
    assert i.procedure.percent_relief == 75  # computed from 8 -> 2


def test_it_refuses_a_fentanyl_patch_in_mg_or_by_mouth(plan_a):
    e = errors(
        plan_a,
        Modality.MEDICATION,
        {"drug": "fentanyl_patch", "dose": "25", "unit": "mg", "frequency": "bid", "route": "oral"},
    )
    assert {"unit", "route", "frequency"} <= set(e)


def test_as_needed_needs_a_daily_maximum(plan_a):
    e = errors(
        plan_a,
        Modality.MEDICATION,
        {"drug": "oxycodone", "dose": "5", "unit": "mg", "frequency": "prn", "route": "oral"},
    )
    assert "max_per_day" in e


@pytest.mark.parametrize("dose", ["0", "-5", "abc", "1e999", "NaN", ""])
def test_it_refuses_nonsense_doses(plan_a, dose):
    assert "dose" in errors(
        plan_a,
        Modality.MEDICATION,
        {"drug": "morphine", "dose": dose, "unit": "mg", "frequency": "bid", "route": "oral"},
    )


def test_it_refuses_unknown_detail_keys(plan_a):
    assert "details" in errors(
        plan_a, Modality.PHYSICAL_THERAPY, {"focus": ["core"], "sessions_per_week": 2, "weeks": 4, "x": 1}
    )


def test_it_refuses_markup_in_free_text(plan_a):
    e = errors(plan_a, Modality.SURGICAL_REVISION, {"indication": "instability", "option": "<script>alert(1)</script>"})
    assert "option" in e


def test_an_scs_trial_result_needs_the_analgesic_change(plan_a):
    details = {"device": "scs", "baseline_nrs": 8, "trial_nrs": 4}
    assert "analgesic_change" in errors(plan_a, Modality.NEUROMODULATION_TRIAL, details, status=InterventionStatus.DONE)
    i = clean(
        plan_a,
        Modality.NEUROMODULATION_TRIAL,
        {**details, "analgesic_change": "stable", "decision": "implant"},
        status=InterventionStatus.DONE,
    )
    outcome = i.trial.outcome
    assert outcome.success is True and str(outcome.relief) == "50.0" and not outcome.decision_differs


def test_a_decision_against_the_rule_is_flagged(plan_a):
    i = clean(
        plan_a,
        Modality.NEUROMODULATION_TRIAL,
        {"device": "pump", "baseline_nrs": 8, "trial_nrs": 4, "decision": "implant"},
        status=InterventionStatus.DONE,
    )
    assert i.trial.outcome.decision_differs is True


def test_the_end_date_cannot_precede_the_start(plan_a):
    e = errors(
        plan_a,
        Modality.PHYSICAL_THERAPY,
        {"focus": ["core"], "sessions_per_week": 2, "weeks": 4},
        start_date=datetime.date(2025, 5, 1),
        end_date=datetime.date(2025, 4, 1),
    )
    assert "__all__" in e


def test_plain_words_for_the_patient(plan_a):
    i = clean(
        plan_a,
        Modality.MEDICATION,
        {"drug": "oxycodone", "dose": "10", "unit": "mg", "frequency": "bid", "route": "oral"},
    )
    assert kinds.plain(i) == "Oxycodone: 10 mg by mouth, twice a day."
    p = clean(
        plan_a,
        Modality.MEDICATION,
        {"drug": "fentanyl_patch", "dose": "25", "unit": "mcg/hr", "frequency": "patch72", "route": "transdermal"},
    )
    assert kinds.plain(p) == "Fentanyl (transdermal patch): a 25 mcg/hr skin patch. New patch every 3 days."


@pytest.mark.parametrize(
    ("modality", "discipline"),
    [
        (Modality.MEDICATION, "pain_medicine"),
        (Modality.PHYSICAL_THERAPY, "physical_therapy"),
        (Modality.COMPLEMENTARY, "physical_therapy"),
        (Modality.PSYCHOLOGICAL, "psychology"),
        (Modality.LIFESTYLE, "nursing"),
        (Modality.SURGICAL_REVISION, "spine_surgery"),
    ],
)
def test_each_modality_belongs_to_a_discipline(modality, discipline):
    assert kinds.discipline_of(modality) == discipline


def test_every_modality_has_a_kind():
    assert set(kinds.KINDS) == set(Modality.values)
