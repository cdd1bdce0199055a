"""Benchmark of the busiest pages: time and queries as a clinic's data grows. Prints figures.

Run with ``make bench`` (PostgreSQL and Redis as in ``make test``). It creates a throwaway test
database, fills it, requests each page through Django's test client (no network, no browser:
server time only) and prints the median and 95th percentile over the repetitions, with the
query count of one request. Nothing here asserts a time; the tests pin query counts.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fbss_clinic.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", 25))


def measure(label: str, request: Callable[[], object]) -> None:
    with CaptureQueriesContext(connection) as ctx:
        response = request()
    if getattr(response, "status_code", 0) != 200:
        raise SystemExit(f"{label}: unexpected response {response}")
    queries = len(ctx.captured_queries)
    timings = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        request()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"{label:<58} {statistics.median(timings):8.1f} {p95:8.1f} {queries:8d}", flush=True)


def bulk_patients(clinic, physician, n: int) -> None:
    import datetime

    from patients.models import Patient
    from patients.text import fold

    rows = []
    for i in range(n):
        given, family = f"Given{i}", f"Família{i:05d}"
        rows.append(
            Patient(
                clinic=clinic, mrn=f"B{i:06d}", given_name=given, family_name=family,
                search_name=fold(f"{family} {given}"), date_of_birth=datetime.date(1950 + i % 50, 1 + i % 12, 1),
                primary_physician=physician,
            )
        )  # fmt: skip
    Patient.objects.bulk_create(rows, batch_size=1000)


def run() -> None:
    from clinics.roles import Role
    from clinics.tests.factories import ClinicFactory, member
    from patients.tests.factories import PatientFactory
    from patients.tests.test_chart import fill_history
    from treatments.tests.test_queries import build

    print(f"database: {connection.vendor}; {REPEAT} requests per row; times in ms (server side)")
    print(f"{'page':<58} {'median':>8} {'p95':>8} {'queries':>8}")

    for n in (100, 1000, 10000):
        clinic = ClinicFactory.create(name=f"List clinic {n}")
        physician = member(clinic, Role.PHYSICIAN, f"bench.list.{n}")
        bulk_patients(clinic, physician, n)
        client = Client()
        client.force_login(physician)
        listing = reverse("patients:list")
        measure(f"patient list, page 1 of {n} patients", partial(client.get, listing))
        measure(f"patient list, last page of {n}", partial(client.get, listing, {"page": n // 25}))
        client.post(listing, {"text": "familia00042"})
        measure(f"patient list, name search (accent-free) in {n}", partial(client.get, listing))

    clinic = ClinicFactory.create(name="Chart clinic")
    physician = member(clinic, Role.PHYSICIAN, "bench.chart")
    client = Client()
    client.force_login(physician)
    for n in (1, 20, 55):
        patient = PatientFactory.create(clinic=clinic, primary_physician=physician)
        fill_history(patient, physician, n=n, edits=2)
        plan = build(patient, physician, clinic, n=max(1, n // 4))
        url = reverse("patients:chart", args=[patient.public_id])
        measure(f"chart, {n} surgeries/evaluations/diagnoses x3 versions", partial(client.get, url))
        plan_url = reverse("treatments:detail", args=[plan.public_id])
        interventions = 4 * max(1, n // 4)
        measure(f"treatment plan page, {interventions} interventions", partial(client.get, plan_url))


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
