"""The outbox part of ``make bench``: queue due e-mails, then time two workers sending them.

    python bench/dispatch.py queue <n>   # n pending e-mails due now, subject = idempotency key
    python bench/dispatch.py send <n>    # enqueue dispatch_due for both workers; print seconds until all n are sent

Seeded messages still due are moved ten years ahead first, so that the run sends exactly these n.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fbss_clinic.settings.production")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from fbss_clinic.celery import app  # noqa: E402
from notifications.models import Message, Status  # noqa: E402

PURPOSE = "bench.dispatch"
TIMEOUT_SECONDS = 900


def queue(n: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        Message.objects.filter(purpose=PURPOSE).delete()
        Message.objects.filter(status__in=[Status.PENDING, Status.SENDING, Status.FAILED]).update(
            due_at=F("due_at") + dt.timedelta(days=3650)
        )
        Message.objects.bulk_create(
            (
                Message(
                    channel="email", recipient=f"bench{k}@example.org", subject=f"bench:{k}", body="Benchmark message.",
                    due_at=now - dt.timedelta(minutes=1), purpose=PURPOSE, owner_ref=f"bench.run:{k}",
                    idempotency_key=f"bench:{k}",
                )  # fmt: skip
                for k in range(n)
            ),
            batch_size=2000,
        )


def send(n: int) -> float:
    started = time.perf_counter()
    for _ in range(2):
        app.send_task("notifications.dispatch_due")
    done = 0
    while time.perf_counter() - started < TIMEOUT_SECONDS:
        done = Message.objects.filter(purpose=PURPOSE, status__in=[Status.SENT, Status.FAILED, Status.SKIPPED]).count()
        if done >= n:
            return time.perf_counter() - started
        time.sleep(0.2)
    raise SystemExit(f"only {done} of {n} messages handled in {TIMEOUT_SECONDS} s")


if __name__ == "__main__":
    action, count = sys.argv[1], int(sys.argv[2])
    if action == "queue":
        queue(count)
    else:
        print(f"{send(count):.3f}")
