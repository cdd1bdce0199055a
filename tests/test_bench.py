"""The benchmark's parts: scale data deterministic for a seed, refused in production, with every
index and constraint back after the bulk load; the survey links the load uses; the result lines."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from bench import scale
from bench.load import Exhausted, TokenPool
from bench.report import Dispatch, Row, format_line, percentile
from bench.surveys import _hash, prepare
from outcomes.models import ResponseScore, SurveyInvitation
from patients.models import Patient

CHECKSUMS = [
    "SELECT count(*), md5(string_agg(public_id::text || mrn || search_name || date_of_birth::text, ',' ORDER BY mrn)) FROM patients_patient",
    "SELECT count(*), md5(string_agg(public_id::text || starts_at::text || status, ',' ORDER BY public_id)) FROM scheduling_appointment",
    "SELECT count(*), md5(string_agg(kind || performed_on::text, ',' ORDER BY kind, performed_on)) FROM patients_evaluation",
    "SELECT count(*), sum(total), md5(string_agg(key || coalesce(total::text, '-'), ',' ORDER BY id)) FROM outcomes_responsescore",
    "SELECT count(*), md5(string_agg(idempotency_key || status || due_at::text, ',' ORDER BY idempotency_key)) FROM notifications_message",
    "SELECT count(*), md5(string_agg(public_id::text || status || start_date::text, ',' ORDER BY public_id)) FROM treatments_treatmentplan",
    "SELECT count(*) FROM treatments_medication",
    "SELECT count(*) FROM patients_priorsurgery",
    "SELECT count(*), md5(string_agg(public_id::text || status || opens_at::text, ',' ORDER BY public_id)) FROM outcomes_surveyinvitation",
    "SELECT count(*), md5(string_agg(item_key || value, ',' ORDER BY id)) FROM outcomes_answer",
    "SELECT count(*), md5(string_agg(key || coalesce(change_from_baseline::text, '-'), ',' ORDER BY id)) FROM outcomes_responsescore",
]
# Every constraint and index, as PostgreSQL prints them. Casts and brackets are left out: an
# exclusion constraint made again prints its WHERE clause's casts in another place (same meaning).
SCHEMA = [
    "SELECT count(*), md5(string_agg(conrelid::regclass::text || conname || contype::text || "
    "regexp_replace(pg_get_constraintdef(oid), '::[a-z ]+(\\[\\])?|[() ]', '', 'g'), ',' "
    "ORDER BY conrelid::regclass::text, conname)) FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
    "SELECT count(*), md5(string_agg(indexname || regexp_replace(indexdef, '::[a-z ]+(\\[\\])?|[() ]', '', 'g'), ',' "
    "ORDER BY indexname)) FROM pg_indexes WHERE schemaname = 'public'",
]
# One long history with 3 surgeries and evaluations through the services (40 in the bench): the
# services are what is slow, and their rows are not what these tests are about.
TINY = scale.Options(clinics=2, patients=80, seed=7, today=dt.date(2026, 3, 2), long=1, long_records=3)


def seeded_checksums(opts: scale.Options) -> list[tuple[object, ...]]:
    """Seed inside a savepoint, read the checksums, and roll the data back."""
    with transaction.atomic():
        seeder = scale.seed(opts, progress=lambda *_: None)
        assert seeder is not None
        sums = scale.checksum(CHECKSUMS)
        transaction.set_rollback(True)
    return sums


@pytest.mark.django_db
def test_seed_scale_writes_the_same_rows_for_the_same_seed():
    first = seeded_checksums(TINY)
    second = seeded_checksums(TINY)
    other = seeded_checksums(scale.Options(clinics=2, patients=80, seed=8, today=TINY.today, long=1, long_records=3))

    assert first[0][0] == 80 + 1  # the bulk patients and one long history
    assert all(isinstance(row[0], int) and row[0] > 0 for row in first)  # every table got rows, surveys too
    assert first == second
    assert first[0] != other[0]


@pytest.mark.django_db
def test_seed_scale_reuses_matching_data_and_refuses_other_data():
    with transaction.atomic():
        assert scale.seed(TINY, progress=lambda *_: None) is not None
        assert scale.marker_day() == TINY.today
        assert scale.seed(TINY, progress=lambda *_: None) is None  # same arguments: nothing to do
        with pytest.raises(RuntimeError, match="already holds other data"):
            scale.seed(scale.Options(clinics=2, patients=81, seed=7, today=TINY.today, long=1, long_records=3), progress=lambda *_: None)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_seed_scale_puts_back_every_index_and_constraint_and_covers_every_state():
    """The indexes and constraints dropped for the bulk load are back, exactly; no provider has
    overlapping appointments; invitations and messages come in every state; the long history has
    years of surveys."""
    schema_before = scale.checksum(SCHEMA)
    with transaction.atomic():
        assert scale.seed(TINY, progress=lambda *_: None) is not None
        schema_after = scale.checksum(SCHEMA)
        overlaps, states, outbox = scale.checksum(
            [
                "SELECT count(*) FROM scheduling_appointment a JOIN scheduling_appointment b ON a.provider_id = b.provider_id "
                "AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at",
                "SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM outcomes_surveyinvitation",
                "SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM notifications_message",
            ]
        )
        long_answers = scale.checksum(
            [
                "SELECT count(*), min(r.submitted_at)::date FROM outcomes_response r JOIN patients_patient p ON p.id = r.patient_id "
                "WHERE p.given_name = 'Long'"
            ]
        )[0]
        transaction.set_rollback(True)

    assert schema_after == schema_before
    assert schema_before[0][0] > 100  # constraints of every app: foreign keys, unique, exclusion, checks
    assert overlaps == (0,)  # not even cancelled ones: each slot is used once
    assert set(states[0].split(",")) == {"cancelled", "completed", "expired", "open", "pending"}
    assert set(outbox[0].split(",")) == {"cancelled", "failed", "pending", "sending", "sent", "skipped"}
    assert long_answers[0] >= 100
    assert long_answers[1] <= TINY.today - dt.timedelta(days=4 * 365)  # several years of surveys


@pytest.mark.django_db
@override_settings(SETTINGS_MODULE="fbss_clinic.settings.production", DEBUG=False)
def test_seed_scale_refuses_production_settings():
    with pytest.raises(CommandError, match="production"):
        call_command("seed_scale", "--clinics=1", "--patients=5")
    assert not Patient.objects.exists()
    assert connection.vendor == "postgresql"


def test_a_page_line_has_the_exact_format():
    row = Row(page="patient_list", concurrency=8, p50_ms=12.34, p95_ms=40.0, rps=150.26, floor_p95_ms=8.0, queries=11)

    assert format_line(row) == (
        "bench: patient_list c=8 p50_ms=12.3 p95_ms=40.0 rps=150 ratio_to_floor=5.0 queries=11"
    )


def test_a_page_not_built_says_so_instead_of_figures():
    assert format_line(Row(page="survey_page", concurrency=1, note="not built yet")) == "bench: survey_page c=1 not_built_yet"


def test_the_dispatch_line_counts_duplicates_and_lost_by_key():
    result = Dispatch.from_keys(expected=["a", "b", "c"], received=["a", "a", "b"], seconds=0.5)

    assert result.line() == "bench: dispatch messages_per_s=4.0 duplicates=1 lost=1"


def test_percentile_is_the_nearest_rank():
    values = [float(v) for v in range(1, 101)]

    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile([], 95) == 0.0


# --- the survey links of the load -------------------------------------------------------------


@pytest.fixture
def survey_links(db, settings):
    """Scale data at a tiny size and the bench's survey links on it (production's instrument rule)."""
    settings.FBSS_SURVEYS_ALLOW_PLACEHOLDER_TEXT = False
    assert scale.seed(TINY, progress=lambda *_: None) is not None
    return prepare(page=2, submit=3)


def test_a_survey_page_token_opens_the_phq9_page_again_and_again(client, survey_links, django_assert_max_num_queries):
    path = f"/survey/{survey_links['page'][0]}/{survey_links['page_number']}/"

    for _ in range(2):
        with django_assert_max_num_queries(12):
            response = client.get(path)
        assert response.status_code == 200
        assert b"PHQ-9" in response.content or b"phq9" in response.content.lower()
    invitation = SurveyInvitation.objects.get(link_token_hash=_hash(survey_links["page"][0]))
    assert invitation.status == "open" and not invitation.responses.exists()


def test_a_submit_token_submits_a_fully_answered_survey_once(client, survey_links):
    token = survey_links["submit"][0]
    client.get("/accounts/login/")  # a CSRF cookie, as the load generator gets one
    invitation = SurveyInvitation.objects.get(link_token_hash=_hash(token))

    response = client.post(f"/survey/{token}/send/")
    again = client.post(f"/survey/{token}/send/")

    assert response.status_code == 302 and response["Location"].endswith("/done/")
    invitation.refresh_from_db()
    assert invitation.status == "completed"
    assert invitation.responses.filter(submitted_at__isnull=True).count() == 0
    assert ResponseScore.objects.filter(response__invitation=invitation).count() >= invitation.responses.count()
    assert again.status_code == 410  # the link is spent: each request of the bench needs a fresh one
    assert SurveyInvitation.objects.get(link_token_hash=_hash(survey_links["submit"][1])).status == "open"


def test_the_load_generator_hands_each_submit_token_out_once_across_threads():
    pool = TokenPool({"page": ["p1", "p2"], "submit": [f"s{k}" for k in range(200)]}, skip=50)
    page = {"path": "/survey/{token}/send/", "tokens": "submit"}
    taken: list[str] = []
    lock = threading.Lock()

    def user(k: int) -> None:
        while True:
            try:
                path = pool.path(page, k)
            except Exhausted:
                return
            with lock:
                taken.append(path)

    threads = [threading.Thread(target=user, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(taken) == sorted(f"/survey/s{k}/send/" for k in range(50, 200))
    assert pool.used == 150
    assert pool.path({"path": "/survey/{token}/3/", "tokens": "page"}, 3) == "/survey/p2/3/"
    assert pool.path({"path": "/patients/"}, 0) == "/patients/"
