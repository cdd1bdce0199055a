"""Builders of outcome data for the staff pages' tests: responses made through the real services
(so every stored score is the real scoring's), and treatment records through the treatments
factories."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from io import StringIO
from typing import Any

from django.core.management import call_command

from outcomes.models import InstrumentVersion, Response
from outcomes.services import response_answers_save, response_start, response_submit


def load_versions() -> dict[str, InstrumentVersion]:
    call_command("load_instruments", stdout=StringIO())
    return {v.instrument.key: v for v in InstrumentVersion.objects.select_related("instrument")}


def odi_answers(total_points: int) -> dict[str, str]:
    """Ten ODI sections whose scores add up to ``total_points`` (0-50): ODI = 2 x points."""
    keys = ["pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing", "sleeping",
            "sex_life", "social_life", "travelling"]  # fmt: skip
    answers = {}
    left = total_points
    for key in keys:
        step = min(5, left)
        answers[key] = str(step)
        left -= step
    return answers


def sum_answers(n_items: int, total: int) -> dict[str, str]:
    """PHQ-9 / GAD-7 style items (0-3 each) adding up to ``total``."""
    answers = {}
    left = total
    for n in range(1, n_items + 1):
        step = min(3, left)
        answers[f"item{n}"] = str(step)
        left -= step
    return answers


def answers_for(key: str, value: int) -> dict[str, str]:
    if key == "odi":
        return odi_answers(value // 2)
    if key in ("nrs_back", "nrs_leg"):
        return {"pain": str(value)}
    if key == "phq9":
        return sum_answers(9, value)
    if key == "gad7":
        return sum_answers(7, value)
    if key == "pgic":
        return {"change": str(value)}
    raise KeyError(key)


def respond(patient: Any, version: InstrumentVersion, answers: dict[str, str], on: date) -> Response:
    """A submitted response given on ``on`` (noon UTC) through the real services."""
    response = response_start(patient=patient, instrument_version=version)
    response_answers_save(response=response, answers=answers)
    response_submit(response=response, at=datetime.combine(on, time(12, 0), tzinfo=UTC))
    return response


def score_of(key: str, value: int, patient: Any, versions: dict[str, InstrumentVersion], on: date) -> Response:
    return respond(patient, versions[key], answers_for(key, value), on)


# --- schedules and invitations (rows as the scheduling services would leave them) ---------------

WAVES = [("baseline", "Baseline", 0, True), ("w6", "6 weeks", 42, False), ("m3", "3 months", 91, False)]


def make_schedule(clinic: Any, name: str = "Test schedule") -> Any:
    from outcomes.models import SurveySchedule, SurveyWave

    schedule = SurveySchedule.objects.create(clinic=clinic, name=name)
    for key, label, offset, baseline in WAVES:
        SurveyWave.objects.create(schedule=schedule, key=key, label=label, offset_days=offset,
                                  instruments=["odi"], is_baseline=baseline)  # fmt: skip
    return schedule


def enrol(patient: Any, schedule: Any, anchor: date) -> dict[str, Any]:
    """An enrolment and one invitation per wave (pending), by wave key."""
    from datetime import timedelta

    from outcomes.models import SurveyEnrolment, SurveyInvitation

    enrolment = SurveyEnrolment.objects.create(patient=patient, schedule=schedule, anchor_date=anchor)
    invitations = {}
    for wave in schedule.waves.all():
        due = anchor + timedelta(days=wave.offset_days)
        opens = datetime.combine(due, time(9, 0), tzinfo=UTC)
        invitations[wave.key] = SurveyInvitation.objects.create(
            enrolment=enrolment, patient=patient, wave=wave, due_date=due, opens_at=opens,
            expires_at=opens + timedelta(days=wave.window_days),
        )  # fmt: skip
    return invitations


def answer(invitation: Any, versions: dict[str, InstrumentVersion], key: str, value: int,
           extra: dict[str, str] | None = None) -> Response:  # fmt: skip
    """The patient answers ``key`` for ``invitation`` on its due date, through the real services
    (scored, changes from baseline stored as submitting does); the invitation is then completed."""
    from outcomes import survey_flow
    from outcomes.models import InvitationStatus, SurveyInvitation

    response = response_start(patient=invitation.patient, instrument_version=versions[key])
    Response.objects.filter(pk=response.pk).update(invitation=invitation)
    response.invitation = invitation
    response_answers_save(response=response, answers={**answers_for(key, value), **(extra or {})})
    at = datetime.combine(invitation.due_date, time(12, 0), tzinfo=UTC)
    response_submit(response=response, at=at)
    survey_flow.response_changes_store(response=response)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.COMPLETED, completed_at=at)
    return response
