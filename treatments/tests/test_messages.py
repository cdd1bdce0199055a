"""Error messages in plain words, each said once: never Django's stock text, never twice."""

import pytest

from treatments.models import Medication

RAW = ("Ensure this value", "Ensure that there are no more than", "This field is required.")


def errors_of(page: str) -> list[str]:
    import re

    return re.findall(r'class="invalid-feedback"[^>]*>\s*<strong>(.*?)</strong>', page, flags=re.S)


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("medication", {"drug": "oxycodone", "dose": "200000", "unit": "mg", "frequency": "bid", "route": "oral"},
         "Enter 100000 or less."),
        ("medication", {"drug": "oxycodone", "dose": "1.23456", "unit": "mg", "frequency": "bid", "route": "oral"},
         "Too many decimals: at most 3 after the point."),
        ("neuromodulation_trial", {"device": "scs", "baseline_nrs": "6.45", "trial_nrs": "11"},
         "Too many decimals: at most 1 after the point."),
        ("neuromodulation_trial", {"device": "scs", "baseline_nrs": "6.4", "trial_nrs": "11"}, "Enter 10 or less."),
        ("medication", {"drug": "oxycodone", "unit": "mg", "frequency": "bid", "route": "oral"}, "Fill this in."),
    ],
)  # fmt: skip
def test_number_errors_are_plain_and_said_once(login, physician_a, plan_a, kind, data, expected):
    response = login(physician_a).post(
        f"/plans/{plan_a.public_id}/interventions/new/?kind={kind}", {**data, "status": "in_progress",
                                                                      "start_date": "2025-03-01"}
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert not any(raw in page for raw in RAW), [raw for raw in RAW if raw in page]
    assert page.count(expected) == 1
    messages = errors_of(page)
    assert len(messages) == len(set(messages))


def test_discontinuing_without_a_reason_says_so_once(login, physician_a, plan_a):
    page = login(physician_a).post(f"/plans/{plan_a.public_id}/discontinue/", {"reason": ""}).content.decode()
    assert page.count("Give the reason the plan was discontinued.") == 1
    assert "This field is required." not in page


def test_a_plan_reviewed_before_it_starts_is_said_once(login, physician_a, plan_a):
    page = (
        login(physician_a)
        .post(
            f"/plans/{plan_a.public_id}/edit/",
            {"title": "T", "start_date": "2025-03-10", "review_date": "2025-03-01"},
        )
        .content.decode()
    )
    assert page.count("The review date cannot be before the start date.") == 1


def test_an_outside_medication_stopped_before_it_started_is_said_once(login, physician_a, patient_a):
    page = login(physician_a).post(
        f"/plans/patient/{patient_a.public_id}/medications/new/",
        {"drug": "tramadol", "dose": "50", "unit": "mg", "frequency": "bid", "route": "oral",
         "start_date": "2025-03-10", "stop_date": "2025-03-01"},
    ).content.decode()  # fmt: skip
    assert page.count("The stop date cannot be before the start date.") == 1
    assert not Medication.objects.exists()
