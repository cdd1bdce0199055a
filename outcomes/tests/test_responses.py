"""Responses keep their version, validate answers against it, and are submitted (and scored) once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from outcomes.models import Answer, InstrumentVersion, ResponseScore
from outcomes.services import response_answers, response_answers_save, response_start, response_submit

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def versions() -> dict[str, InstrumentVersion]:
    call_command("load_instruments", stdout=StringIO())
    return {version.instrument.key: version for version in InstrumentVersion.objects.select_related("instrument")}


def test_answers_saved_page_by_page_are_scored_on_submission(
    patient_a: Any, versions: dict[str, InstrumentVersion]
) -> None:
    response = response_start(patient=patient_a, instrument_version=versions["phq9"])
    response_answers_save(response=response, answers={"item1": "2", "item2": "1", "item3": "0"})
    response_answers_save(response=response, answers={f"item{n}": "1" for n in range(4, 10)})
    response_answers_save(response=response, answers={"item3": "3"})  # changed on the way back
    result = response_submit(response=response, at=AT)
    assert result.total == Decimal(12)
    assert [alert.key for alert in result.alerts] == ["self_harm"]
    stored = {row.key: row for row in ResponseScore.objects.filter(response=response)}
    assert (stored["total"].total, stored["total"].band) == (Decimal(12), "moderate")
    assert (stored["phq2"].total, stored["phq2"].band) == (Decimal(3), "positive")
    response.refresh_from_db()
    assert response.submitted_at == AT
    assert response.instrument_version == versions["phq9"]


def test_an_answer_the_item_does_not_offer_is_refused_and_nothing_of_the_call_is_saved(
    patient_a: Any, versions: dict[str, InstrumentVersion]
) -> None:
    response = response_start(patient=patient_a, instrument_version=versions["nrs_back"])
    with pytest.raises(ValidationError) as caught:
        response_answers_save(response=response, answers={"pain": "11"})
    assert "pain" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        response_answers_save(response=response, answers={"nope": "1"})
    assert "nope" in caught.value.message_dict
    assert not Answer.objects.filter(response=response).exists()


def test_a_cleared_answer_is_removed(patient_a: Any, versions: dict[str, InstrumentVersion]) -> None:
    response = response_start(patient=patient_a, instrument_version=versions["gad7"])
    response_answers_save(response=response, answers={"item1": "2", "item2": "3"})
    response_answers_save(response=response, answers={"item2": ""})
    assert response_answers(response) == {"item1": "2"}


def test_a_response_is_submitted_once_and_then_frozen(patient_a: Any, versions: dict[str, InstrumentVersion]) -> None:
    response = response_start(patient=patient_a, instrument_version=versions["nrs_leg"])
    response_answers_save(response=response, answers={"pain": "6"})
    response_submit(response=response, at=AT)
    with pytest.raises(ValidationError):
        response_submit(response=response, at=AT)
    with pytest.raises(ValidationError):
        response_answers_save(response=response, answers={"pain": "2"})
    assert response_answers(response) == {"pain": "6"}
    assert ResponseScore.objects.filter(response=response).count() == 1


def test_an_incomplete_odi_is_stored_as_not_scorable(patient_a: Any, versions: dict[str, InstrumentVersion]) -> None:
    response = response_start(patient=patient_a, instrument_version=versions["odi"])
    response_answers_save(response=response, answers={"walking": "3", "lifting": "2"})
    response_submit(response=response, at=AT)
    stored = ResponseScore.objects.get(response=response)
    assert not stored.scorable
    assert stored.total is None
    assert stored.band == ""
    assert "8 item(s) unanswered" in stored.reason


def test_language_falls_back_to_the_versions_first_language(
    patient_a: Any, versions: dict[str, InstrumentVersion]
) -> None:
    assert response_start(patient=patient_a, instrument_version=versions["pgic"], language="fr").language == "en"


def test_the_database_refuses_a_total_without_scorable(patient_a: Any, versions: dict[str, InstrumentVersion]) -> None:
    response = response_start(patient=patient_a, instrument_version=versions["pgic"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseScore.objects.create(response=response, key="change", scorable=False, total=Decimal(2))
