"""What treatments puts on the patient chart: section, timeline, header."""

import datetime
from decimal import Decimal
from typing import cast

from django.test import RequestFactory
from django.urls import reverse

from clinics.http import ClinicRequest
from treatments import chart_parts, mme
from treatments.models import InterventionStatus, Modality, PlanStatus
from treatments.tests.factories import InterventionFactory, TreatmentPlanFactory, medication


def badges_for(total_mme: str):
    p = mme.Prescription(drug="morphine", dose=Decimal(total_mme), unit="mg", doses_per_day=Decimal(1),
                         start=datetime.date(2025, 1, 1))  # fmt: skip
    return chart_parts.mme_badges(mme.total_mme([p], on=datetime.date(2025, 5, 1)))


def test_the_header_warns_at_50_and_90_mme():
    assert [(b.label, b.level) for b in badges_for("49")] == [("49 MME/day", "info")]
    assert [(b.label, b.level) for b in badges_for("50")] == [("50 MME/day", "warning"), ("Offer naloxone", "warning")]
    assert [(b.label, b.level) for b in badges_for("90")] == [("90 MME/day", "danger"), ("Offer naloxone", "danger")]


def test_the_header_shows_nothing_without_opioids():
    assert chart_parts.mme_badges(mme.total_mme([], on=datetime.date(2025, 5, 1))) == []


def test_the_timeline_has_plans_procedures_trials_and_medication_starts_and_stops(plan_a, patient_a, physician_a):
    plan_a.status = PlanStatus.ACTIVE
    plan_a.save()
    medication(plan_a, "morphine", "10", start_date=datetime.date(2025, 3, 2), end_date=datetime.date(2025, 3, 20),
               status=InterventionStatus.STOPPED)  # fmt: skip
    InterventionFactory.create(plan=plan_a, modality=Modality.PROCEDURE, status=InterventionStatus.DONE,
                        start_date=datetime.date(2025, 3, 10), details={"procedure_type": "rfa", "levels": ["L4", "L5"]})  # fmt: skip
    InterventionFactory.create(
        plan=plan_a, modality=Modality.NEUROMODULATION_TRIAL, status=InterventionStatus.DONE,
        start_date=datetime.date(2025, 4, 1), end_date=datetime.date(2025, 4, 7),
        details={"device": "scs", "baseline_nrs": 8, "trial_nrs": 4, "analgesic_change": "stable", "decision": "implant"},
    )  # fmt: skip
    draft = TreatmentPlanFactory.create(patient=patient_a, author=physician_a, title="Next steps")
    medication(draft, "oxycodone", "5", status=InterventionStatus.PLANNED)  # a draft's medication has not started
    request = cast(ClinicRequest, RequestFactory().get("/"))
    request.membership = physician_a.memberships.get()
    entries = {(e.day.isoformat(), e.kind, e.title, e.detail) for e in chart_parts.timeline(patient_a, request)}
    assert ("2025-03-01", "plan", "Plan started: Back on my feet", "") in entries
    assert any(e[:3] == ("2025-03-02", "medication", "Medication started") for e in entries)
    assert any(e[:3] == ("2025-03-20", "medication", "Medication stopped") for e in entries)
    assert any(e[:2] == ("2025-03-10", "procedure") and "L4-L5" in e[3] for e in entries)
    assert (
        "2025-04-07",
        "trial",
        "Trial result",
        "50.0% relief: success by the trial rule; decision: Implant",
    ) in entries
    assert sum(1 for e in entries if e[1] == "medication") == 2
    assert any(e[2] == "Draft plan: Next steps" for e in entries)


def test_the_chart_shows_the_section_and_the_new_plan_button_to_physicians(login, physician_a, plan_a, patient_a):
    html = login(physician_a).get(reverse("patients:chart", args=[patient_a.public_id])).content.decode()
    assert 'data-testid="section-treatment_plans"' in html
    assert reverse("treatments:create", args=[patient_a.public_id]) in html
    assert "Back on my feet" in html


def test_a_therapist_sees_plans_but_no_new_plan_button(login, therapist_a, plan_a, patient_a):
    html = login(therapist_a).get(reverse("patients:chart", args=[patient_a.public_id])).content.decode()
    assert "Back on my feet" in html
    assert reverse("treatments:create", args=[patient_a.public_id]) not in html
    assert 'data-testid="section-treatment_schedule"' not in html  # therapists do not book
