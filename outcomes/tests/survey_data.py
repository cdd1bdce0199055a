"""Shared set-up of the survey tests: instruments loaded, a short schedule, an enrolled patient."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from outcomes import surveys
from outcomes.models import SurveyInvitation, SurveySchedule, SurveyWave

# The ODI's ten sections in the order of the questionnaire.
ODI_SECTIONS = [
    "pain_intensity",
    "personal_care",
    "lifting",
    "walking",
    "sitting",
    "standing",
    "sleeping",
    "sex_life",
    "social_life",
    "travelling",
]

# The journey's instruments: quick to answer, PHQ-9 for the safety rule.
SHORT = ["nrs_back", "nrs_leg", "phq9"]


def load_instruments() -> None:
    call_command("load_instruments", stdout=StringIO())


def short_schedule(clinic: Any, *, name: str = "Short") -> SurveySchedule:
    schedule = SurveySchedule.objects.create(clinic=clinic, name=name)
    for key, label, days in [("baseline", "Baseline", 0), ("6w", "6 weeks", 42), ("3m", "3 months", 91)]:
        SurveyWave.objects.create(schedule=schedule, key=key, label=label, offset_days=days, instruments=SHORT, is_baseline=days == 0)
    return schedule


def local_today(clinic: Any, now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now(), clinic.tz)


def enrolled(patient: Any, schedule: SurveySchedule, *, anchor: date | None = None) -> SurveyInvitation:
    """Enrol ``patient`` with the baseline opened yesterday (so it is open whatever the hour) and
    return the baseline invitation, opened by the tick."""
    anchor = anchor or local_today(patient.clinic) - timedelta(days=1)
    enrolment = surveys.enrol(patient=patient, schedule=schedule, anchor_date=anchor, by=None)
    surveys.survey_tick()
    return SurveyInvitation.objects.get(enrolment=enrolment, wave__key="baseline")


def consenting(patient: Any) -> Any:
    patient.consent_email = True
    patient.preferred_channel = "email"
    patient.save()
    return patient


PHQ9_CALM = {f"item{n}": "0" for n in range(1, 10)}
PHQ9_ITEM9 = {**PHQ9_CALM, "item9": "1"}
