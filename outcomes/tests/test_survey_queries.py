"""What the patient's survey page and the submission of a survey cost in queries: measured with a
wave of every follow-up questionnaire and a patient with a long history, and the same whatever the
length of that history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import links
from notifications.models import PatientLink
from outcomes import surveys
from outcomes.definitions import InstrumentDefinition
from outcomes.models import (
    InvitationStatus,
    Response,
    ResponseScore,
    SurveySchedule,
    SurveyWave,
)
from outcomes.scoring import score
from outcomes.survey_flow import page_save, pages_for, versions_for
from outcomes.tests.survey_data import enrolled, load_instruments
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

# Every follow-up questionnaire: the largest wave a clinic can ask.
WAVE = surveys.FOLLOW_UP_INSTRUMENTS
# Measured: 23 queries to submit the full wave (with the test's savepoint and a new session), 4 to 5 to show a page.
SUBMIT_MAX = 23
PAGE_MAX = 5


def _answers(definition: InstrumentDefinition, step: int) -> dict[str, str]:
    """Every item answered; choices cycle with ``step`` so that totals differ between waves, and
    an item an alert watches gets its first (calm) option, so no alert e-mail goes."""
    watched = {rule.item for rule in definition.alerts}
    answers = {}
    for item in definition.items:
        if item.kind == "scale":
            answers[item.key] = str(item.min + step % (item.max - item.min + 1))
        elif item.key in watched:
            answers[item.key] = item.options[0].value
        else:
            answers[item.key] = item.options[step % len(item.options)].value
    return answers


def _history(patient: Any, waves: int) -> None:
    """``waves`` earlier submitted waves of every questionnaire, one a month, scored by the real
    scoring and stored as submission stores them (built in bulk: this is the set-up)."""
    versions = versions_for(list(WAVE))
    start = timezone.now() - timedelta(days=31 * (waves + 1))
    responses: list[Response] = []
    results = []
    for n in range(waves):
        for key in WAVE:
            version = versions[key]
            answers = _answers(version.parsed(), n)
            responses.append(Response(patient=patient, instrument_version=version, submitted_at=start + timedelta(days=31 * n)))
            results.append(score(version.parsed(), answers))
    Response.objects.bulk_create(responses)
    rows = []
    for response, result in zip(responses, results, strict=True):
        for part in [result, *result.subscores.values()] if result.key else []:
            rows.append(
                ResponseScore(
                    response=response, key=part.key, scorable=part.scorable, total=part.total,
                    band=part.band or "", responder=part.responder, reason=part.reason[:300],
                )  # fmt: skip
            )
    ResponseScore.objects.bulk_create(rows)


@pytest.fixture
def schedule(clinic_a: Any) -> SurveySchedule:
    load_instruments()
    schedule = SurveySchedule.objects.create(clinic=clinic_a, name="Every questionnaire")
    SurveyWave.objects.create(schedule=schedule, key="baseline", label="Now", offset_days=0, instruments=list(WAVE), is_baseline=True)
    return schedule


def _answered(patient: Any, schedule: SurveySchedule, *, earlier_waves: int) -> tuple[Any, str]:
    """An open invitation of ``patient`` with every page answered, and a link to it."""
    _history(patient, earlier_waves)
    invitation = enrolled(patient, schedule)
    for page in pages_for(invitation):
        page_save(invitation=invitation, page=page, answers=_answers(page.definition, 1))
    return invitation, surveys.handover_link(invitation=invitation)


def _submit_queries(client: Client, token: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        sent = client.post(f"/survey/{token}/send/")
    assert sent.status_code == 302 and sent["Location"] == f"/survey/{token}/done/"
    return len(ctx.captured_queries)


def test_submitting_a_full_wave_with_a_long_history_costs_few_queries(
    schedule: Any, patient_a: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    invitation, token = _answered(patient_a, schedule, earlier_waves=30)
    with django_assert_max_num_queries(SUBMIT_MAX):
        sent = client.post(f"/survey/{token}/send/")
    assert sent.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.COMPLETED
    assert Response.objects.filter(invitation=invitation, submitted_at__isnull=False).count() == len(WAVE)
    # A second submission of the same link is refused and changes nothing.
    before = ResponseScore.objects.count()
    assert Client().post(f"/survey/{token}/send/").status_code == 410
    assert ResponseScore.objects.count() == before


def test_submission_costs_the_same_for_one_and_for_thirty_earlier_waves(schedule: Any, clinic_a: Any, patient_a: Any) -> None:
    _invitation, short_token = _answered(patient_a, schedule, earlier_waves=1)
    other = PatientFactory.create(clinic=clinic_a, primary_physician=patient_a.primary_physician)
    _invitation, long_token = _answered(other, schedule, earlier_waves=30)
    assert _submit_queries(Client(), short_token) == _submit_queries(Client(), long_token)


def test_the_bulk_submission_stores_each_change_from_the_first_and_the_last_earlier_score(
    schedule: Any, patient_a: Any, client: Client
) -> None:
    invitation, token = _answered(patient_a, schedule, earlier_waves=5)
    assert client.post(f"/survey/{token}/send/").status_code == 302
    new = ResponseScore.objects.filter(response__invitation=invitation).select_related("response__instrument_version__instrument")
    checked = 0
    for row in new:
        key = row.response.instrument_version.instrument.key
        earlier = list(
            ResponseScore.objects.filter(
                response__patient=patient_a, response__instrument_version__instrument__key=key, key=row.key, scorable=True,
                response__submitted_at__lt=row.response.submitted_at,
            ).order_by("response__submitted_at", "pk").values_list("total", flat=True)
        )  # fmt: skip
        if not row.scorable:
            assert row.change_from_baseline is None
            continue
        baseline, previous = earlier[0], earlier[-1]
        assert row.total is not None and baseline is not None and previous is not None and len(earlier) == 5
        assert row.change_from_baseline == row.total - baseline, (key, row.key)
        assert row.change_from_previous == row.total - previous, (key, row.key)
        checked += 1
    # Every questionnaire but the clinic's own questions is scored, PHQ-9 twice (with the PHQ-2).
    assert checked >= len(WAVE)
    phq9 = new.get(response__instrument_version__instrument__key="phq9", key="total")
    assert phq9.improved is not None and phq9.worsened is not None


def test_a_submission_refused_by_its_link_scores_nothing_and_leaves_the_survey_open(
    schedule: Any, clinic_a: Any, patient_a: Any, client: Client
) -> None:
    invitation, token = _answered(patient_a, schedule, earlier_waves=2)
    # Used up in the meantime (another device sent it first): this request's use of the link loses.
    PatientLink.objects.filter(token_hash=links._hash(token)).update(used_count=1)
    assert client.post(f"/survey/{token}/send/").status_code == 410
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN
    assert not ResponseScore.objects.filter(response__invitation=invitation).exists()
    assert not Response.objects.filter(invitation=invitation, submitted_at__isnull=False).exists()
    assert Response.objects.filter(invitation=invitation).count() == len(WAVE)


def test_a_survey_page_of_a_full_wave_costs_few_queries(
    schedule: Any, patient_a: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    _history(patient_a, 30)
    invitation = enrolled(patient_a, schedule)
    token = surveys.handover_link(invitation=invitation)
    # The questionnaires not started yet are read together, not one by one.
    with django_assert_max_num_queries(PAGE_MAX):
        assert client.get(f"/survey/{token}/4/").status_code == 200
    first = pages_for(invitation)[0]
    page_save(invitation=invitation, page=first, answers=_answers(first.definition, 0))
    with django_assert_max_num_queries(PAGE_MAX):
        assert client.get(f"/survey/{token}/{len(WAVE)}/").status_code == 200


def test_the_scores_match_scoring_the_answers_afresh(schedule: Any, patient_a: Any, client: Client) -> None:
    invitation, token = _answered(patient_a, schedule, earlier_waves=1)
    assert client.post(f"/survey/{token}/send/").status_code == 302
    for response in Response.objects.filter(invitation=invitation).select_related("instrument_version"):
        answers = dict(response.answers.values_list("item_key", "value"))
        result = score(response.instrument_version.parsed(), answers)
        expected = {part.key: part.total for part in [result, *result.subscores.values()]} if result.key else {}
        stored = dict(response.scores.values_list("key", "total"))
        assert stored == expected
        assert all(isinstance(total, Decimal) for total in stored.values() if total is not None)
