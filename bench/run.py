"""``make bench``: scale data, gunicorn with production settings, load from another process.

Run by ``scripts/test.sh --bench`` with PostgreSQL and Redis up (DATABASE_URL, REDIS_URL set).
Environment: BENCH_CLINICS (20), BENCH_PATIENTS (100000), BENCH_SEED (1), BENCH_SECONDS (5, per
page and run), BENCH_ROUNDS (3), BENCH_WORKERS (4 gunicorn workers), BENCH_MESSAGES (10000),
BENCH_SURVEY_TOKENS (3000 single-use survey links for survey_submission).

Steps: seed (``manage.py seed_scale``, reused when the marker matches: ``scripts/test.sh --bench``
keeps the bench's PostgreSQL between runs); make the run's survey links and count the queries of
one request to each page (``bench/queries.py``, Django's test client on the same database);
collectstatic and start
gunicorn on loopback; for each of BENCH_ROUNDS rounds, concurrency 1 then 8, run ``bench/load.py``
over every page (interleaved runs), then take the median of the rounds' p50, p95 and rps; stop
gunicorn; then queue BENCH_MESSAGES due e-mails and send them with two Celery worker processes
to an SMTP sink (``bench/smtp_sink.py``), counting each idempotency key at the sink.

Logs of every process go to ``bench/results/bench.log``; the table goes to stdout and to
``bench/results/latest.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import Row, format_line, markdown_table, percentile  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LOG = RESULTS / "bench.log"
PY = sys.executable
FLOOR = "floor_healthz"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_logged(args: Sequence[str], log: IO[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    log.write(f"\n$ {' '.join(args)}\n")
    log.flush()
    return subprocess.run(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, check=True, text=True, **kwargs)


def wait_http(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    import http.client

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on port {port}; see {LOG}")


def recreate_database(url: str) -> None:
    """Drop and create the bench's database (its own PostgreSQL, see scripts/test.sh --bench)."""
    import urllib.parse

    import psycopg2

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port, user=parts.username, password=parts.password, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown memory"
    load = os.getloadavg()
    return f"{os.cpu_count()} CPUs ({cpu}), {memory}, Python {platform.python_version()}, load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"


def commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True)
        return out.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:  # noqa: PLR0915 - the whole run, step by step
    clinics, patients, seed = env_int("BENCH_CLINICS", 20), env_int("BENCH_PATIENTS", 100_000), env_int("BENCH_SEED", 1)
    seconds, rounds, workers = float(os.environ.get("BENCH_SECONDS") or 5), env_int("BENCH_ROUNDS", 3), env_int("BENCH_WORKERS", 4)
    messages = env_int("BENCH_MESSAGES", 10_000)
    survey_tokens = env_int("BENCH_SURVEY_TOKENS", 3000)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started_at = dt.datetime.now(dt.UTC)
    host = machine()
    today = dt.datetime.now(dt.UTC).date()
    base_env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    test_env = {**base_env, "DJANGO_SETTINGS_MODULE": "fbss_clinic.settings.test"}
    prod_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "fbss_clinic.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
    }
    procs: list[subprocess.Popen[Any]] = []
    with LOG.open("w", encoding="utf-8") as log:
        try:
            say(f"bench: seeding {clinics} clinics x {patients} patients (seed {seed}); logs in {LOG}")
            t0 = time.monotonic()
            seed_args = [PY, "manage.py", "seed_scale", f"--clinics={clinics}", f"--patients={patients}", f"--seed={seed}",
                         f"--today={today.isoformat()}"]  # fmt: skip
            run_logged([PY, "manage.py", "migrate", "--noinput"], log, test_env)
            try:
                run_logged(seed_args, log, test_env)
            except subprocess.CalledProcessError:
                log.flush()
                if "already holds other data" not in LOG.read_text(encoding="utf-8")[-3000:]:
                    raise
                say("bench: the bench database holds other scale data (another seed or size): starting it afresh")
                recreate_database(test_env["DATABASE_URL"])
                run_logged([PY, "manage.py", "migrate", "--noinput"], log, test_env)
                run_logged(seed_args, log, test_env)
            seed_seconds = time.monotonic() - t0
            say(f"bench: data ready in {seed_seconds:.0f} s; counting queries")
            plan_file = RESULTS / "plan.json"
            out = subprocess.run(
                [PY, "bench/queries.py", str(plan_file), str(survey_tokens)], env=test_env, cwd=ROOT,
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            log.write(out.stderr)
            if out.returncode != 0:
                raise SystemExit(f"counting queries failed:\n{out.stderr[-3000:]}")
            queries: dict[str, int] = json.loads(out.stdout)
            plan = json.loads(plan_file.read_text())

            say("bench: starting gunicorn (production settings, no TLS)")
            run_logged([PY, "manage.py", "collectstatic", "--noinput", "-v0"], log, prod_env)
            port = free_port()
            gunicorn = subprocess.Popen(
                [PY, "-m", "gunicorn", "fbss_clinic.wsgi", f"--workers={workers}", f"--bind=127.0.0.1:{port}",
                 "--log-level=warning"],  # no access log: survey URLs carry link tokens
                stdout=log, stderr=subprocess.STDOUT, env=prod_env, cwd=ROOT,
            )  # fmt: skip
            procs.append(gunicorn)
            wait_http(port)
            samples: dict[tuple[str, int], list[tuple[float, float, float, int]]] = {}
            tokens_used = int(plan.get("submit_used", 0))
            exhausted: set[str] = set()
            for r in range(rounds):
                for concurrency in (1, 8):
                    say(f"bench: round {r + 1}/{rounds}, concurrency {concurrency}")
                    load = subprocess.run(
                        [PY, "bench/load.py", f"--base=http://127.0.0.1:{port}", f"--plan={plan_file}",
                         f"--concurrency={concurrency}", f"--seconds={seconds}", f"--skip={tokens_used}"],
                        cwd=ROOT, env=base_env, capture_output=True, text=True, check=False,
                    )  # fmt: skip
                    log.write(load.stderr)
                    if load.returncode != 0:
                        raise SystemExit(f"the load generator failed:\n{load.stderr[-3000:]}")
                    for line in load.stdout.splitlines():
                        result = json.loads(line)
                        if result["name"] == "_tokens":
                            tokens_used += result["submit_used"]
                            continue
                        if result.get("exhausted"):
                            exhausted.add(result["name"])
                        lat = sorted(result["latencies"])
                        p50 = percentile(lat, 50)
                        p95 = percentile(lat, 95)
                        rps = len(lat) / result["elapsed"] if result["elapsed"] else 0.0
                        samples.setdefault((result["name"], concurrency), []).append((p50, p95, rps, result["errors"]))
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)

            rows: list[Row] = []
            names = [p["name"] for p in plan["pages"]]
            for concurrency in (1, 8):
                floor = samples[(FLOOR, concurrency)]
                floor_p95 = statistics.median(s[1] for s in floor)
                for name in names:
                    got = samples[(name, concurrency)]
                    rows.append(
                        Row(
                            page=name, concurrency=concurrency, p50_ms=statistics.median(s[0] for s in got),
                            p95_ms=statistics.median(s[1] for s in got), rps=statistics.median(s[2] for s in got),
                            floor_p95_ms=floor_p95, queries=queries.get(name), errors=sum(s[3] for s in got),
                        )
                    )  # fmt: skip

            say(f"bench: sending {messages} due messages through two Celery workers")
            dispatch = run_dispatch(messages, prod_env, log, procs)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()

    header = (
        f"Run {started_at:%Y-%m-%d %H:%M} UTC, commit {commit()}, on {host}.\n"
        f"Data: seed_scale --clinics {clinics} --patients {patients} --seed {seed} (seeded or reused in {seed_seconds:.0f} s). "
        f"gunicorn {workers} sync workers, production settings without TLS; load from bench/load.py (separate process); "
        f"{rounds} interleaved rounds of {seconds:g} s per page and concurrency, medians of the rounds. "
        f"survey_page opens the PHQ-9 page of an open survey; survey_submission posts the final send of a fully "
        f"answered one, a fresh single-use link per request ({tokens_used} of {survey_tokens} used"
        f"{'; ran out during ' + ', '.join(sorted(exhausted)) + ': raise BENCH_SURVEY_TOKENS' if exhausted else ''}). "
        f"Load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}."
    )
    table = markdown_table(rows, dispatch)
    print()
    print(header)
    print()
    print(table)
    for row in rows:
        print(format_line(row))
    print(dispatch.line())
    (RESULTS / "latest.md").write_text(f"# Benchmark results\n\n{header}\n\n{table}\n", encoding="utf-8")


def run_dispatch(n: int, prod_env: dict[str, str], log: IO[str], procs: list[subprocess.Popen[Any]]) -> Any:
    from bench.report import Dispatch

    sink_port = free_port()
    sink_file = RESULTS / "sink.txt"
    sink_file.unlink(missing_ok=True)
    sink = subprocess.Popen([PY, "bench/smtp_sink.py", str(sink_port), str(sink_file)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    procs.append(sink)
    time.sleep(1.0)
    env = {**prod_env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink_port), "EMAIL_USE_TLS": "false", "FBSS_OUTBOX_DISPATCH_BUDGET_SECONDS": "900"}
    run_logged([PY, "bench/dispatch.py", "queue", str(n)], log, env)
    workers = [
        subprocess.Popen(
            [PY, "-m", "celery", "-A", "fbss_clinic", "worker", "--pool=solo", "--prefetch-multiplier=1", "-O", "fair",
             "-n", f"bench{k}@%h", "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )  # fmt: skip
        for k in (1, 2)
    ]
    procs.extend(workers)
    time.sleep(3.0)  # both workers connected to the broker before the clock starts
    out = subprocess.run([PY, "bench/dispatch.py", "send", str(n)], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    log.write(out.stderr)
    if out.returncode != 0:
        raise SystemExit(f"dispatch failed:\n{out.stderr[-3000:]}")
    seconds = float(out.stdout.strip())
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    sink.send_signal(signal.SIGTERM)
    sink.wait(timeout=10)
    keys = [line for line in sink_file.read_text().splitlines() if line.startswith("bench:")]
    return Dispatch.from_keys(expected=[f"bench:{k}" for k in range(n)], received=keys, seconds=seconds)


if __name__ == "__main__":
    main()
