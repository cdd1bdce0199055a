"""Typed clinical data: the database computes MME, refuses what the rules forbid, and the history
shows each typed detail's change in words."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from treatments import mme, schemas, selectors, services
from treatments.models import InterventionStatus, Medication, Modality, NeuromodulationTrial, PlanStatus
from treatments.schemas import PhysicalTherapy
from treatments.tests.factories import InterventionFactory, TreatmentPlanFactory, medication

ROWS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("oxycodone", "10", "mg", "bid", {}),
    ("morphine", "15", "mg", "q4h", {}),
    ("methadone", "2.5", "mg", "weekly", {}),
    ("hydromorphone", "2", "mg", "prn", {"max_per_day": 6}),
    ("codeine", "30", "mg", "qid", {}),
    ("fentanyl_patch", "25", "mcg/hr", "patch72", {"route": "transdermal"}),
    ("buprenorphine", "8", "mg", "qd", {"route": "sublingual"}),
    ("gabapentin", "300", "mg", "tid", {}),
]


def test_the_database_computes_the_same_mme_as_the_guideline_arithmetic(plan_a):
    for drug, dose, unit, frequency, extra in ROWS:
        medication(plan_a, drug, dose, unit=unit, frequency=frequency, **extra)

    rows = selectors.interventions_with_details().filter(plan=plan_a, modality=Modality.MEDICATION)

    assert len(rows) == len(ROWS)
    for i in rows:
        expected, computed = mme.daily_mme(i.medication.prescription()), selectors.daily_mme_of(i)
        if expected is None or computed is None:
            assert expected is None and computed is None, i.medication.drug
        else:
            assert computed.quantize(Decimal("0.0001")) == expected.quantize(Decimal("0.0001")), i.medication.drug


def test_a_medication_change_shows_in_the_plan_history_in_words(plan_a, physician_a):
    med = medication(plan_a, "oxycodone", "10")
    row = med.medication
    row.dose, row.frequency = Decimal("15"), "tid"
    services.intervention_update(
        intervention=med, by=physician_a, status=med.status, start_date=med.start_date, end_date=None, notes="",
        detail=row,
    )  # fmt: skip

    latest = selectors.plan_history(plan_a)[0]

    assert latest.what == "medication" and latest.label == "Oxycodone" and latest.user == physician_a
    assert ("dose", "10", "15") in latest.fields
    assert ("how often", "Twice a day", "Three times a day") in latest.fields


def test_a_trial_result_shows_in_the_plan_history_in_words(plan_a, physician_a):
    trial = InterventionFactory.create(
        plan=plan_a, modality=Modality.NEUROMODULATION_TRIAL, status=InterventionStatus.IN_PROGRESS,
        details={"device": "scs"},
    )  # fmt: skip
    row = trial.trial
    row.baseline_nrs, row.trial_nrs, row.analgesic_change = Decimal("8"), Decimal("3.5"), "stable"
    services.intervention_update(
        intervention=trial, by=physician_a, status=InterventionStatus.DONE, start_date=trial.start_date,
        end_date=None, notes="", detail=row,
    )  # fmt: skip

    fields = next(c for c in selectors.plan_history(plan_a) if c.what == "neuromodulation trial").fields

    assert ("pain during the trial (NRS)", "—", "3.5") in fields
    assert ("analgesic use during the trial", "—", "Stable") in fields


def test_trial_scores_with_a_decimal_meet_the_50_percent_rule_exactly(plan_a):
    trial = InterventionFactory.create(
        plan=plan_a, modality=Modality.NEUROMODULATION_TRIAL, status=InterventionStatus.DONE,
        details={"device": "scs", "baseline_nrs": Decimal("7.0"), "trial_nrs": Decimal("3.5"),
                 "analgesic_change": "stable"},
    )  # fmt: skip
    outcome = trial.trial.outcome
    assert outcome.relief == Decimal("50.0") and outcome.success is True


def test_a_pump_trial_at_exactly_half_with_decimals_is_not_a_success(plan_a):
    trial = InterventionFactory.create(
        plan=plan_a, modality=Modality.NEUROMODULATION_TRIAL, status=InterventionStatus.DONE,
        details={"device": "pump", "baseline_nrs": Decimal("6.5"), "trial_nrs": Decimal("3.2")},
    )  # fmt: skip
    assert trial.trial.outcome.success is True  # 50.8%
    row = trial.trial
    row.trial_nrs = Decimal("3.3")  # 49.2%
    row.save()
    assert row.outcome.success is False


def test_the_database_refuses_an_as_needed_medication_without_a_daily_maximum(plan_a):
    med = medication(plan_a, "oxycodone", "5", frequency="prn", max_per_day=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Medication.objects.filter(pk=med.medication.pk).update(max_per_day=None)


def test_the_database_refuses_a_fentanyl_patch_in_mg(plan_a):
    med = medication(plan_a, "fentanyl_patch", "25", unit="mcg/hr", frequency="patch72", route="transdermal")
    with pytest.raises(IntegrityError), transaction.atomic():
        Medication.objects.filter(pk=med.medication.pk).update(unit="mg")


def test_a_detail_row_cannot_move_to_another_intervention(plan_a, physician_a):
    first = medication(plan_a, "oxycodone", "10")
    second = medication(plan_a, "morphine", "10")
    with pytest.raises(ValidationError):
        services.intervention_update(
            intervention=second, by=physician_a, status=second.status, start_date=second.start_date,
            end_date=None, notes="", detail=first.medication,
        )  # fmt: skip
    first.medication.refresh_from_db()
    assert first.medication.intervention_id == first.pk


def test_services_have_no_parameter_to_move_an_intervention_to_another_plan(plan_a, physician_a):
    pt = plan_a.interventions.get(modality=Modality.PHYSICAL_THERAPY)
    move: dict[str, Any] = {"plan": TreatmentPlanFactory.create()}
    with pytest.raises(TypeError):
        services.intervention_update(
            intervention=pt, by=physician_a, status=pt.status, start_date=None, end_date=None, notes="", **move
        )


def test_a_kind_refuses_the_details_of_another_kind(plan_a, physician_a):
    with pytest.raises(ValidationError) as exc:
        services.intervention_add(
            plan=plan_a, by=physician_a, modality=Modality.MEDICATION,
            detail=PhysicalTherapy(focus=["core"], sessions_per_week=2, weeks=4),
        )  # fmt: skip
    assert "details" in exc.value.message_dict


def test_descriptive_details_are_typed_and_refuse_unknown_keys():
    parsed = schemas.parse(Modality.OPIOID_TAPER, {"programme": "taper", "target_mme": "30", "step_weeks": 4})
    assert isinstance(parsed, schemas.OpioidTaper) and parsed.target_mme == Decimal("30")
    with pytest.raises(ValidationError) as exc:
        schemas.parse(Modality.OPIOID_TAPER, {"programme": "taper", "mme": "30"})
    assert "details" in exc.value.message_dict


def test_a_descriptive_choice_outside_its_list_is_refused():
    with pytest.raises(ValidationError) as exc:
        schemas.parse(Modality.LIFESTYLE, {"focus": "astrology"})
    assert "focus" in exc.value.message_dict


def test_a_medication_in_progress_keeps_its_start_date_rule_on_update(plan_a, physician_a):
    med = medication(plan_a, "oxycodone", "10", start_date=datetime.date(2025, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.intervention_update(
            intervention=med, by=physician_a, status=InterventionStatus.IN_PROGRESS, start_date=None,
            end_date=None, notes="",
        )  # fmt: skip
    assert "start_date" in exc.value.message_dict


def test_the_database_sums_each_patients_mme_like_the_chart(plan_a, patient_a, clinic_a):
    plan_a.status = PlanStatus.ACTIVE
    plan_a.save()
    on = datetime.date(2025, 5, 1)
    medication(plan_a, "oxycodone", "10", frequency="tid")  # 45
    medication(plan_a, "fentanyl_patch", "25", unit="mcg/hr", frequency="patch72", route="transdermal")  # 60
    medication(plan_a, "buprenorphine", "8", frequency="qd", route="sublingual")  # shown, not summed
    medication(plan_a, "morphine", "30", status=InterventionStatus.STOPPED, end_date=datetime.date(2025, 4, 1))
    medication(plan_a, "tramadol", "50", start_date=datetime.date(2025, 6, 1))  # not started on that day

    by_db = selectors.mme_per_patient(clinic_a, on=on)

    assert by_db == {patient_a.pk: Decimal("105")}
    assert selectors.mme_of_patient(patient_a, on=on).mme == by_db[patient_a.pk]


@pytest.mark.parametrize(
    ("device", "baseline", "trial", "change", "expected"),
    [
        ("scs", "8", "4", "stable", True),  # exactly 50%
        ("scs", "7.0", "3.6", "reduced", False),  # 48.6%
        ("scs", "8", "1", "increased", False),
        ("pump", "8", "4", "", False),  # exactly 50% is not enough for a pump
        ("pump", "6.5", "3.2", "", True),
        ("scs", "8", "4", "", None),  # undecided without the analgesic change
    ],
)
def test_the_database_applies_the_trial_rule_like_the_clinic_does(
    plan_a, clinic_a, device, baseline, trial, change, expected
):
    details = {
        "device": device,
        "baseline_nrs": Decimal(baseline),
        "trial_nrs": Decimal(trial),
        "analgesic_change": change,
    }
    if device == "scs" and not change:
        row = InterventionFactory.create(
            plan=plan_a, modality=Modality.NEUROMODULATION_TRIAL, status=InterventionStatus.DONE,
            details={"device": device, "baseline_nrs": Decimal(baseline)},
        ).trial  # fmt: skip
        NeuromodulationTrial.objects.filter(pk=row.pk).update(trial_nrs=Decimal(trial))  # as if half recorded
        row.refresh_from_db()
    else:
        row = InterventionFactory.create(
            plan=plan_a, modality=Modality.NEUROMODULATION_TRIAL, status=InterventionStatus.DONE, details=details
        ).trial

    meets = NeuromodulationTrial.objects.annotate(meets=selectors.trial_meets_rule_expression()).get(pk=row.pk).meets

    assert meets is expected
    assert row.outcome.success is expected


def test_the_database_reports_procedure_relief_per_type(plan_a, clinic_a):
    for before, after in [(8, 2), (6, 3), (7, 7)]:
        InterventionFactory.create(
            plan=plan_a, modality=Modality.PROCEDURE, status=InterventionStatus.DONE,
            details={"procedure_type": "rfa", "pain_before": before, "pain_after": after},
        )  # fmt: skip
    InterventionFactory.create(plan=plan_a, modality=Modality.PROCEDURE, details={"procedure_type": "nerve_block"})

    report = selectors.procedure_relief(clinic_a)

    count, mean = report["rfa"]
    assert count == 3 and mean is not None and round(mean) == round((75 + 50 + 0) / 3)
    assert "nerve_block" not in report  # no result recorded
