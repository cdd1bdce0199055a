from django.core.management import call_command

from treatments.models import PlanStatus, TreatmentPlan
from treatments.selectors import mme_of_patient


def test_the_demo_gives_patients_plans_in_several_states_and_runs_twice(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    plans = list(TreatmentPlan.objects.select_related("patient"))
    assert {p.status for p in plans} == set(PlanStatus.values)
    assert len(plans) == len({(p.patient_id, p.title) for p in plans})  # nothing doubled
    active = [p for p in plans if p.is_active]
    assert all(50 <= mme_of_patient(p.patient).mme < 90 for p in active)


def test_the_demo_shows_an_outside_opioid_and_a_medication_continuing_after_its_plan(db):
    from treatments import choices as c
    from treatments.models import Medication

    call_command("seed_demo", verbosity=0)
    outside = Medication.objects.get(prescriber=c.OUTSIDE, drug="codeine")
    total = mme_of_patient(outside.patient)
    assert sorted(p.drug for p, _m in total.counted) == ["codeine", "tramadol"]
    assert str(total.mme.normalize()) == "38"
    continuing = Medication.objects.get(patient=outside.patient, drug="tramadol")
    assert continuing.continues and continuing.intervention is not None
    assert continuing.intervention.plan.status == PlanStatus.COMPLETED
