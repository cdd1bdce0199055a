"""Hostile input on the forms: clear messages, never a 500, nothing typed is lost."""

import string

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatments import services
from treatments.forms import intervention_form
from treatments.models import Goal, Intervention, Modality, TreatmentPlan


def add_url(plan, kind):
    return reverse("treatments:intervention_add", args=[plan.public_id]) + f"?kind={kind}"


MED = {"status": "in_progress", "start_date": "2025-03-01", "end_date": "", "notes": "",
       "drug": "oxycodone", "drug_name": "", "dose": "10", "unit": "mg", "frequency": "bid", "route": "oral"}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"dose": "-10"}, "dose", "Enter 0.001 or more."),
        ({"dose": "ten"}, "dose", "Enter a number"),
        ({"unit": "mcg"}, "unit", "Prescribe Oxycodone in mg"),
        ({"drug": "other"}, "drug_name", "Name the drug"),
        ({"frequency": "prn"}, "max_per_day", "most doses a day"),
        ({"drug": "heroin"}, "drug", "Choose one of the options."),
        ({"notes": "<img src=x onerror=alert(1)>"}, "notes", "remove HTML"),
        ({"end_date": "2025-02-01"}, "end_date", "cannot be before the start"),
        ({"start_date": "2025-02-30"}, "start_date", "Enter a date as YYYY-MM-DD."),
        ({"status": "in_progress", "start_date": ""}, "start_date", "date the medication was started"),
    ],
)
def test_the_medication_form_explains_what_is_wrong_and_keeps_the_input(
    login, physician_a, plan_a, changes, field, message
):
    data = {**MED, **changes, "notes": changes.get("notes", "Keep me: titrate slowly")}
    response = login(physician_a).post(add_url(plan_a, "medication"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors.get(field, [])), form.errors
    if field != "notes":
        assert "Keep me: titrate slowly" in response.content.decode()
    assert not Intervention.objects.filter(modality=Modality.MEDICATION).exists()


def test_the_procedure_form_refuses_bad_codes_and_levels(login, physician_a, plan_a):
    data = {"status": "done", "start_date": "2025-04-01", "procedure_type": "esi_transforaminal",
            "cpt_code": "9999", "levels": ["L4", "Q9"], "pain_before": "11", "side": "up"}  # fmt: skip
    response = login(physician_a).post(add_url(plan_a, "procedure"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"cpt_code", "levels", "pain_before", "side"} <= set(errors)


def test_the_goal_form_checks_ranges_per_kind(login, physician_a, plan_a):
    client = login(physician_a)
    address = reverse("treatments:goal_add", args=[plan_a.public_id])
    response = client.post(address, {"kind": "pain", "target_value": "12", "status": "not_started"})
    assert "from 0 to 10" in " ".join(response.context["form"].errors["target_value"])
    response = client.post(address, {"kind": "return_to_work", "target_value": "3", "status": "not_started"})
    assert {"target_value", "description"} <= set(response.context["form"].errors)
    assert Goal.objects.filter(plan=plan_a).count() == 1


def test_the_plan_form_refuses_a_review_before_the_start(login, physician_a, patient_a):
    response = login(physician_a).post(
        reverse("treatments:create", args=[patient_a.public_id]),
        {"title": "Plan <b>bold</b>", "start_date": "2025-06-01", "review_date": "2025-01-01"},
    )
    errors = response.context["form"].errors
    assert "review_date" in errors and "title" in errors
    assert not TreatmentPlan.objects.exists()


def test_the_discontinue_form_needs_a_reason(login, physician_a, plan_a):
    response = login(physician_a).post(reverse("treatments:discontinue", args=[plan_a.public_id]), {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors


def test_care_team_refuses_someone_of_another_clinic(login, physician_a, plan_a, outsider):
    response = login(physician_a).post(
        reverse("treatments:team_add", args=[plan_a.public_id]), {"user": outsider.pk, "discipline": "pain_medicine"}
    )
    assert response.status_code == 200 and "user" in response.context["form"].errors


# --- property-based: whatever is typed, the forms answer with a valid record or messages --------

texty = st.text(alphabet=string.printable + "éø<>&;\x00", max_size=30)
numbery = st.one_of(
    texty, st.integers(-(10**12), 10**12).map(str), st.decimals(allow_nan=True, allow_infinity=True).map(str)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dose=numbery, unit=st.sampled_from(["mg", "mcg/hr", "kg", ""]), freq=st.sampled_from(["bid", "prn", "patch72", "x"]),
       maxd=numbery, drug=st.sampled_from(["morphine", "fentanyl_patch", "buprenorphine", "other", "?"]), name=texty)  # fmt: skip
def test_medication_details_never_crash(plan_a, dose, unit, freq, maxd, drug, name):
    data = {**MED, "dose": dose, "unit": unit, "frequency": freq, "max_per_day": maxd, "drug": drug, "drug_name": name,
            "confirm_dose": "on"}  # fmt: skip
    form = intervention_form("medication", data)
    if form.is_valid():
        # What the form accepts (the dose confirmed), the service and the database accept.
        i = services.intervention_add(
            plan=plan_a, by=plan_a.author, modality="medication", **form.common(), detail=form.detail(),
            **form.options(),
        )  # fmt: skip
        assert i.medication.dose > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(baseline=numbery, trial=numbery, change=st.sampled_from(["", "reduced", "stable", "increased", "zz"]),
       device=st.sampled_from(["scs", "pump", "tens"]), decision=st.sampled_from(["", "implant", "no_implant", "maybe"]))  # fmt: skip
def test_trial_form_never_crashes(login, physician_a, plan_a, baseline, trial, change, device, decision):
    data = {"status": "done", "start_date": "2025-04-01", "end_date": "2025-04-07", "device": device,
            "baseline_nrs": baseline, "trial_nrs": trial, "analgesic_change": change, "decision": decision}  # fmt: skip
    before = Intervention.objects.count()
    response = login(physician_a).post(add_url(plan_a, "neuromodulation_trial"), data)
    assert response.status_code in (200, 302)
    assert Intervention.objects.count() == before + (1 if response.status_code == 302 else 0)
