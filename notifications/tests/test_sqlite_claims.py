"""The demo's SQLite has no SKIP LOCKED: concurrent claims must still take disjoint rows.

Runs in subprocesses on a throwaway SQLite database with the dev settings (IMMEDIATE
transactions), the way `make run`'s worker processes share var/db.sqlite3.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

QUEUE = """
import django
django.setup()
from django.utils import timezone
from notifications import services
for i in range({n}):
    services.enqueue(channel="email", recipient="a@example.org", subject="s", body="b",
                     due_at=timezone.now(), purpose="t", owner_ref="t.t:1", idempotency_key=f"k{{i}}")
"""

CLAIM = """
import json, django
django.setup()
from notifications import dispatch
claimed = []
while ids := dispatch.claim_due(limit=7):
    claimed += ids
print(json.dumps(claimed))
"""


def _env(var_dir: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return {**keep, "DJANGO_SETTINGS_MODULE": "fbss_clinic.settings.dev", "FBSS_VAR_DIR": str(var_dir)}


def _python(code: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own code
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def test_concurrent_claims_on_sqlite_take_disjoint_rows(tmp_path: Path) -> None:
    env = _env(tmp_path / "var")
    n = 600
    migrate = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "notifications", "--noinput", "-v0"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    queue = _python(QUEUE.format(n=n), env)
    _out, err = queue.communicate(timeout=300)
    assert queue.returncode == 0, err

    claimers = [_python(CLAIM, env) for _ in range(3)]
    claimed: list[list[int]] = []
    for proc in claimers:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        claimed.append(json.loads(out))

    every = [pk for ids in claimed for pk in ids]
    assert len(every) == n, "a row was claimed twice or never"
    assert len(set(every)) == n
