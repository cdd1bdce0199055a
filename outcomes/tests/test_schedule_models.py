"""The schedule, invitation and alert tables keep their rules in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from outcomes.models import SurveyEnrolment, SurveyInvitation, SurveySchedule, SurveyWave

pytestmark = pytest.mark.django_db


def test_an_enrolment_has_one_invitation_per_wave(patient_a: Any, clinic_a: Any) -> None:
    schedule = SurveySchedule.objects.create(clinic=clinic_a, name="Default")
    wave = SurveyWave.objects.create(schedule=schedule, key="baseline", label="Baseline", offset_days=0, instruments=["phq9"])
    enrolment = SurveyEnrolment.objects.create(patient=patient_a, schedule=schedule, anchor_date=date(2026, 3, 2))
    opens = datetime(2026, 3, 2, 8, tzinfo=UTC)
    fields = {"enrolment": enrolment, "patient": patient_a, "wave": wave, "due_date": date(2026, 3, 2)}
    SurveyInvitation.objects.create(**fields, opens_at=opens, expires_at=opens + timedelta(days=14))
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyInvitation.objects.create(**fields, opens_at=opens, expires_at=opens + timedelta(days=14))
