"""The benchmark's parts: scale data deterministic for a seed, refused in production; the result lines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from bench import scale
from bench.report import Dispatch, Row, format_line, percentile
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
]
TINY = scale.Options(clinics=2, patients=30, seed=7, today=dt.date(2026, 3, 2), long=1)


def seeded_checksums(opts: scale.Options) -> list[tuple[object, ...]]:
    """Seed inside a savepoint, read the checksums, and roll the data back."""
    with transaction.atomic():
        counts = scale.seed(opts, progress=lambda *_: None)
        assert counts is not None
        sums = scale.checksum(CHECKSUMS)
        transaction.set_rollback(True)
    return sums


@pytest.mark.django_db
def test_seed_scale_writes_the_same_rows_for_the_same_seed():
    first = seeded_checksums(TINY)
    second = seeded_checksums(TINY)
    other = seeded_checksums(scale.Options(clinics=2, patients=30, seed=8, today=TINY.today, long=1))

    assert first[0][0] == 30 + 1  # the bulk patients and one long history
    assert all(isinstance(row[0], int) and row[0] > 0 for row in first)
    assert first == second
    assert first[0] != other[0]


@pytest.mark.django_db
def test_seed_scale_reuses_matching_data_and_refuses_other_data():
    with transaction.atomic():
        assert scale.seed(TINY, progress=lambda *_: None) is not None
        assert scale.seed(TINY, progress=lambda *_: None) is None  # same arguments: nothing to do
        with pytest.raises(RuntimeError, match="already holds other data"):
            scale.seed(scale.Options(clinics=2, patients=31, seed=7, today=TINY.today, long=1), progress=lambda *_: None)
        transaction.set_rollback(True)


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
