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
