"""A real Celery worker, on the test Redis and PostgreSQL, runs a task that writes a row."""

import pytest

from clinics.models import Heartbeat
from clinics.tasks import heartbeat
from conftest import wait_for


@pytest.mark.celery_worker
def test_a_real_worker_runs_a_task_that_writes_to_the_database(celery_worker) -> None:
    assert not Heartbeat.objects.exists()

    result = heartbeat.delay()

    row = wait_for(lambda: Heartbeat.objects.filter(source="worker").first(), timeout=30)
    assert row is not None, f"the worker did not write the heartbeat (task {result.id})"
    assert celery_worker.conf.task_always_eager is False
