"""The clinic outcomes page, its CSV and the clinicians' worklist, on a small hand-built clinic
whose expected figures are worked out here independently of the code under test."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import datetime, time, timedelta
from math import sqrt
from typing import Any

import pytest
from django.utils import timezone

from clinics.roles import Role
from clinics.tests.factories import member
from conftest import queries_of
from outcomes.models import InvitationStatus, SafetyAlert, SurveyInvitation
from patients.tests.factories import PatientFactory
from treatments.models import InterventionStatus, Modality, PlanStatus
from treatments.tests.factories import TreatmentPlanFactory, intervention

from .staff_data import answer, enrol, load_versions, make_schedule

PAGE = "/outcomes/"
CSV = "/outcomes/export.csv"


def _treat(patient: Any, author: Any, group: str) -> None:
    plan = TreatmentPlanFactory.create(patient=patient, author=author, status=PlanStatus.ACTIVE)
    done = InterventionStatus.DONE
    if group == "rfa":
        intervention(plan=plan, modality=Modality.PROCEDURE, status=done, start_date=plan.start_date,
                     details={"procedure_type": "rfa"})  # fmt: skip
    elif group == "scs":
        intervention(plan=plan, modality=Modality.PROCEDURE, status=done, start_date=plan.start_date,
                     details={"procedure_type": "rfa"})  # an RFA before: the implant decides the group  # fmt: skip
        intervention(plan=plan, modality=Modality.PROCEDURE, status=done, start_date=plan.start_date,
                     details={"procedure_type": "scs_implant"})  # fmt: skip
    elif group == "pt":
        intervention(plan=plan, modality=Modality.PHYSICAL_THERAPY, status=done, start_date=plan.start_date,
                     details={"focus": ["core"], "sessions_per_week": 2, "weeks": 6})  # fmt: skip
        intervention(plan=plan, modality=Modality.PROCEDURE, status=InterventionStatus.PLANNED,
                     details={"procedure_type": "rfa"})  # planned only: still "PT only"  # fmt: skip


# ODI per patient and wave (None: not answered). Every ODI score here is even, so stored exactly.
SERIES: dict[str, dict[str, int | None]] = {
    "p1": {"baseline": 40, "w6": 30, "m3": 28},
    "p2": {"baseline": 50, "w6": 46, "m3": None},
    "p3": {"baseline": 30, "w6": 34, "m3": 20},
    "p4": {"baseline": 44, "w6": None},
    "p5": {"baseline": 20, "w6": 30},
}
GROUP = {"p1": "rfa", "p2": "scs", "p3": "pt", "p4": "other", "p5": "other"}


def _improved(baseline: int, value: int) -> bool:
    """ODI's rule worked out by hand: 10 points or 30% of the baseline, whichever is reached first."""
    return baseline - value >= min(10, 0.3 * baseline)


@pytest.fixture
def clinic_data(clinic_a: Any, physician_a: Any) -> dict[str, Any]:
    versions = load_versions()
    other_doctor = member(clinic_a, Role.PHYSICIAN, "physician.two")
    schedule = make_schedule(clinic_a)
    today = timezone.localdate()
    long_ago, recent = today - timedelta(days=200), today - timedelta(days=50)
    anchors = {"p1": long_ago, "p2": long_ago, "p3": long_ago, "p4": recent, "p5": recent - timedelta(days=10)}
    doctors = {"p1": physician_a, "p2": physician_a, "p3": other_doctor, "p4": physician_a, "p5": other_doctor}
    patients = {}
    for name, waves in SERIES.items():
        patient = PatientFactory.create(clinic=clinic_a, primary_physician=doctors[name], given_name=name.upper())
        _treat(patient, physician_a, GROUP[name])
        invitations = enrol(patient, schedule, anchors[name])
        for wave, value in waves.items():
            if value is not None:
                answer(invitations[wave], versions, "odi", value)
        if name == "p2":
            SurveyInvitation.objects.filter(pk=invitations["m3"].pk).update(status=InvitationStatus.EXPIRED)
        if name == "p4":
            SurveyInvitation.objects.filter(pk=invitations["w6"].pk).update(status=InvitationStatus.OPEN)
        patients[name] = patient
    return {"patients": patients, "versions": versions, "other_doctor": other_doctor, "today": today,
            "anchors": anchors}  # fmt: skip


def _expected_rates(names: list[str], today: Any, anchors: dict[str, Any]) -> dict[str, tuple[int, int]]:
    offsets = {"baseline": 0, "w6": 42, "m3": 91}
    rates: dict[str, tuple[int, int]] = {}
    for wave, offset in offsets.items():
        due = [n for n in names if anchors[n] + timedelta(days=offset) <= today]
        done = [n for n in due if SERIES[n].get(wave) is not None]
        if due:
            rates[wave] = (len(due), len(done))
    return rates


def _csv(client: Any, query: str = "") -> list[dict[str, str]]:
    response = client.get(CSV + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


LABEL = {"baseline": "Baseline", "w6": "6 weeks", "m3": "3 months"}


def test_the_response_rate_per_wave_is_completed_over_due(login: Any, physician_a: Any, clinic_data: dict) -> None:
    rows = _csv(login(physician_a))
    got = {r["wave_or_group"]: (int(r["n"]), int(r["count"])) for r in rows if r["table"] == "response_rate"}
    expected = _expected_rates(list(SERIES), clinic_data["today"], clinic_data["anchors"])
    assert got == {LABEL[w]: v for w, v in expected.items()}
    assert got["6 weeks"] == (5, 4)  # p4 has not answered yet


def test_the_mean_change_per_wave_has_n_and_a_t_interval(login: Any, physician_a: Any, clinic_data: dict) -> None:
    rows = _csv(login(physician_a))
    got = {r["wave_or_group"]: r for r in rows if r["table"] == "mean_change" and r["instrument"] == "odi"}
    assert set(got) == {"6 weeks", "3 months"}  # the baseline has no change
    for wave, t in (("w6", 3.182), ("m3", 12.706)):  # n = 4 (df 3) and n = 2 (df 1)
        changes = [int(s[wave] or 0) - int(s["baseline"] or 0) for s in SERIES.values() if s.get(wave) is not None]
        mean, sd = statistics.mean(changes), statistics.stdev(changes)
        row = got[LABEL[wave]]
        assert int(row["n"]) == len(changes)
        assert float(row["value"]) == pytest.approx(mean, abs=0.005)
        assert float(row["ci_low"]) == pytest.approx(mean - t * sd / sqrt(len(changes)), abs=0.005)
        assert float(row["ci_high"]) == pytest.approx(mean + t * sd / sqrt(len(changes)), abs=0.005)


def test_responders_by_intervention_take_each_patients_latest_follow_up(
    login: Any, physician_a: Any, clinic_data: dict
) -> None:
    rows = _csv(login(physician_a))
    got = {r["wave_or_group"]: (int(r["n"]), int(r["count"])) for r in rows
           if r["table"] == "responders" and r["instrument"] == "odi"}  # fmt: skip
    labels = {"rfa": "Radiofrequency ablation", "scs": "Spinal cord stimulator", "pt": "Physical therapy only",
              "other": "Other"}  # fmt: skip
    expected: dict[str, list[int]] = {}
    for name, waves in SERIES.items():
        follow_ups = [v for w, v in waves.items() if w != "baseline" and v is not None]
        if follow_ups:
            tally = expected.setdefault(labels[GROUP[name]], [0, 0])
            tally[0] += 1
            tally[1] += _improved(int(waves["baseline"] or 0), follow_ups[-1])
    assert {k: v for k, v in got.items() if v[0]} == {k: tuple(v) for k, v in expected.items()}
    assert got["Radiofrequency ablation"] == (1, 1) and got["Spinal cord stimulator"] == (1, 0)


def test_the_page_shows_the_same_figures_as_the_csv(login: Any, physician_a: Any, clinic_data: dict) -> None:
    client = login(physician_a)
    html = client.get(PAGE).content.decode()
    assert 'data-testid="table-rates"' in html and 'data-testid="table-responders"' in html
    assert "<td>6 weeks</td><td>5</td><td>4</td><td>80%</td>" in html
    assert "1/1 (100%)" in html  # RFA and PT-only responders


def test_the_physician_filter_keeps_that_physicians_patients(login: Any, physician_a: Any, clinic_data: dict) -> None:
    doctor = clinic_data["other_doctor"]
    rows = _csv(login(physician_a), f"?physician={doctor.pk}")
    got = {r["wave_or_group"]: (int(r["n"]), int(r["count"])) for r in rows if r["table"] == "response_rate"}
    mine = [n for n in SERIES if n in ("p3", "p5")]
    expected = _expected_rates(mine, clinic_data["today"], clinic_data["anchors"])
    assert got == {LABEL[w]: v for w, v in expected.items()}


def test_the_period_filter_counts_invitations_due_inside_it(login: Any, physician_a: Any, clinic_data: dict) -> None:
    anchors = clinic_data["anchors"]
    start, end = anchors["p1"] + timedelta(days=1), anchors["p1"] + timedelta(days=100)  # the old cohort's w6 and m3
    rows = _csv(login(physician_a), f"?start={start}&end={end}")
    got = {r["wave_or_group"]: (int(r["n"]), int(r["count"])) for r in rows if r["table"] == "response_rate"}
    assert got == {"6 weeks": (3, 3), "3 months": (3, 2)}


def test_a_bad_filter_is_a_message_not_an_error(login: Any, physician_a: Any, clinic_data: dict) -> None:
    client = login(physician_a)
    response = client.get(PAGE + "?start=2026-13-45&physician=999999")
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    response = client.get(PAGE + "?start=2026-05-01&end=2026-01-01")
    assert "cannot be before its start" in response.content.decode()


def test_front_desk_gets_403_and_an_outsider_sees_nothing_of_clinic_a(
    login: Any, frontdesk_a: Any, outsider: Any, clinic_data: dict
) -> None:
    assert login(frontdesk_a).get(PAGE).status_code == 403
    assert login(frontdesk_a).get(CSV).status_code == 403
    rows = _csv(login(outsider))
    assert [r for r in rows if r["n"] not in ("0", "")] == []
    assert "P1" not in login(outsider).get(PAGE).content.decode()


def test_the_worklist_puts_alerts_then_worse_then_overdue(
    login: Any, physician_a: Any, clinic_data: dict
) -> None:
    patients = clinic_data["patients"]
    response = clinic_data["patients"]["p2"].outcome_responses.first()
    SafetyAlert.objects.get_or_create(response=response, kind="self_harm", defaults={"patient": patients["p2"]})
    html = login(physician_a).get("/").content.decode()
    panel = html[html.index('data-testid="panel-outcomes"') :]
    panel = panel[: panel.index("</ol>")]
    kinds = [chunk.split('"')[0] for chunk in panel.split('data-kind="')[1:]]
    assert kinds == ["alert", "worse", "overdue"]
    order = [panel.index(str(patients[n].public_id)) for n in ("p2", "p5", "p4")]
    assert order == sorted(order)
    assert str(patients["p3"].public_id) not in panel  # p3's latest score improved


def test_an_acknowledged_alert_leaves_the_worklist(login: Any, physician_a: Any, clinic_data: dict) -> None:
    patients = clinic_data["patients"]
    response = patients["p2"].outcome_responses.first()
    SafetyAlert.objects.create(response=response, kind="self_harm", patient=patients["p2"],
                               acknowledged_by=physician_a, acknowledged_at=timezone.now())  # fmt: skip
    html = login(physician_a).get("/").content.decode()
    assert 'data-kind="alert"' not in html


# Session, user, membership and savepoints, plus the report's 5 (versions,
# rates, changes, responders, the physicians of the filter) and the home page's other panels.
PAGE_MAX = 13
HOME_MAX = 30


def test_the_page_and_the_worklist_do_not_grow_with_the_data(
    login: Any, physician_a: Any, clinic_a: Any, clinic_data: dict, django_assert_max_num_queries: Any
) -> None:
    client = login(physician_a)
    client.get(PAGE)  # the first page after logging in also saves the session (the active clinic)
    page_few, home_few = queries_of(client, PAGE), queries_of(client, "/")
    versions, schedule = clinic_data["versions"], make_schedule(clinic_a, "Second")
    today = clinic_data["today"]
    for n in range(15):  # four times the patients, every wave and intervention group
        patient = PatientFactory.create(clinic=clinic_a, primary_physician=physician_a)
        _treat(patient, physician_a, ("rfa", "scs", "pt", "other")[n % 4])
        invitations = enrol(patient, schedule, today - timedelta(days=100 - n))
        answer(invitations["baseline"], versions, "odi", 40 + 2 * (n % 5))
        answer(invitations["w6"], versions, "odi", 30 + 4 * (n % 7))
    assert queries_of(client, PAGE) == page_few
    assert queries_of(client, "/") == home_few
    with django_assert_max_num_queries(PAGE_MAX):
        client.get(PAGE + f"?physician={physician_a.pk}")
    with django_assert_max_num_queries(HOME_MAX):
        client.get("/")


def test_a_wave_with_one_follow_up_has_a_mean_and_no_interval(login: Any, physician_a: Any, clinic_data: dict) -> None:
    today = clinic_data["today"]
    rows = _csv(login(physician_a), f"?start={today - timedelta(days=20)}&end={today - timedelta(days=10)}")
    changes = [r for r in rows if r["table"] == "mean_change" and r["instrument"] == "odi"]
    baseline, w6 = SERIES["p5"]["baseline"], SERIES["p5"]["w6"]
    assert baseline is not None and w6 is not None
    assert [(r["wave_or_group"], r["n"], r["value"], r["ci_low"], r["ci_high"]) for r in changes] == [
        ("6 weeks", "1", f"{w6 - baseline:.2f}", "", "")
    ]


def test_the_period_takes_follow_ups_by_their_local_day_to_its_last_second(
    login: Any, physician_a: Any, clinic_a: Any, clinic_data: dict
) -> None:
    """The responders table reads a score's day from its submission time in the clinic's time zone
    (Chicago here): a follow-up submitted in the last instant of the period's last day counts, one
    at local midnight after it does not."""
    from outcomes.models import Response

    client = login(physician_a)
    response = Response.objects.get(patient=clinic_data["patients"]["p5"], invitation__wave__key="w6")
    day = timezone.localtime(response.submitted_at, clinic_a.tz).date()
    midnight = datetime.combine(day, time.min, tzinfo=clinic_a.tz)
    assert midnight.utcoffset()  # not UTC: the boundary is the clinic's

    def others(start: Any, end: Any) -> int:
        rows = _csv(client, f"?start={start}&end={end}")
        return sum(int(r["n"]) for r in rows if r["table"] == "responders" and r["wave_or_group"] == "Other")

    for at, start, end, counted in (
        (midnight, day, day, 1),
        (midnight + timedelta(days=1, microseconds=-1), day, day, 1),
        (midnight + timedelta(days=1), day, day, 0),
        (midnight - timedelta(microseconds=1), day, day, 0),
        (midnight + timedelta(days=1), day, day + timedelta(days=1), 1),
    ):
        Response.objects.filter(pk=response.pk).update(submitted_at=at)
        assert others(start, end) == counted, (at, start, end)
