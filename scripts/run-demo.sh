#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# What `make run` runs: the whole demo on one machine, no services needed.
#
# Creates .venv (requirements.txt), migrates, loads the demo data, then runs
# the web server, a Celery worker and Celery beat until Ctrl-C. With no
# DATABASE_URL / REDIS_URL the dev settings use SQLite in var/ and Celery's
# filesystem transport; set both to use PostgreSQL and Redis instead.
#
#   PORT=8001 scripts/run-demo.sh
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-fbss_clinic.settings.dev}"
# Log lines reach var/log/ as they happen, not when a buffer fills.
export PYTHONUNBUFFERED=1
# Links in the demo's reminders point at this server.
export FBSS_PUBLIC_URL="${FBSS_PUBLIC_URL:-http://127.0.0.1:$PORT}"
LOG_DIR="$REPO_ROOT/var/log"

declare -A PIDS=() # service name -> PID (also its process group: see start)
stopping=""

# wait_gone SECONDS: wait until every service's process group is empty.
wait_gone() {
    local pid alive
    for _ in $(seq "$(($1 * 10))"); do
        alive=""
        for pid in "${PIDS[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
        [[ -z "$alive" ]] && return 0
        sleep 0.1
    done
    return 1
}

signal_all() {
    local pid
    for pid in "${PIDS[@]}"; do kill "-$1" -- "-$pid" 2>/dev/null || true; done
}

stop_all() {
    [[ -n "$stopping" ]] && return 0
    stopping=1
    # A second Ctrl-C must not cut the clean-up short and orphan processes;
    # it is bounded anyway (SIGKILL after 15 s).
    trap '' INT TERM HUP
    ((${#PIDS[@]} == 0)) && return 0
    log "Stopping ${!PIDS[*]} (at most 15 s)"
    # Each service is its own process group (setsid). SIGINT to the group is
    # what Ctrl-C in a terminal would send: runserver's autoreload parent and
    # child both exit, Celery does a warm shutdown (finishes the task in hand).
    signal_all INT
    if ! wait_gone 10; then
        signal_all TERM
        if ! wait_gone 5; then
            warn "some demo processes ignored SIGTERM; killing them"
            signal_all KILL
        fi
    fi
    local pid
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    log "All demo processes stopped"
}
# on_signal STATUS: ignore further signals first (make forwards SIGTERM, so it
# often arrives twice; a second one must not interrupt stop_all), then exit,
# which runs the EXIT trap.
# shellcheck disable=SC2317 # called by the traps
on_signal() {
    trap '' INT TERM HUP
    exit "$1"
}
trap 'stop_all' EXIT
# Ctrl-C is the normal way to end the demo: not an error.
trap 'on_signal 0' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# start NAME COMMAND...: run COMMAND in its own session and process group,
# output to var/log/NAME.log (truncated each run).
start() {
    local name="$1"
    shift
    # Without job control, a background child is never a group leader, so
    # setsid execs in place and $! is the new group's id. bash starts
    # background commands with SIGINT ignored; env gives it back, so
    # stop_all's SIGINT works like Ctrl-C in a terminal.
    setsid env --default-signal=INT,QUIT "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
    PIDS[$name]=$!
}

# run_logged NAME COMMAND...: run COMMAND to completion, output to
# var/log/NAME.log; show the end of the log if it fails.
run_logged() {
    local name="$1" rc=0
    shift
    "$@" >"$LOG_DIR/$name.log" 2>&1 || rc=$?
    if ((rc != 0)); then
        tail -n 40 "$LOG_DIR/$name.log" >&2
        die "$name failed (exit $rc); full output in var/log/$name.log"
    fi
}

ensure_venv run
PY="$VENV/bin/python"
mkdir -p "$LOG_DIR"

if port_in_use "$PORT"; then
    die "port $PORT on 127.0.0.1 is already in use; run with another, e.g. make run PORT=8001"
fi

if [[ -n "${DATABASE_URL:-}" ]]; then
    db_desc="PostgreSQL from DATABASE_URL"
else
    db_desc="SQLite, var/db.sqlite3"
fi
if [[ -n "${REDIS_URL:-}" ]]; then
    broker_desc="Redis from REDIS_URL"
else
    broker_desc="filesystem transport, var/celery/"
fi

log "Migrating the database ($db_desc)"
run_logged migrate "$PY" manage.py migrate --noinput
run_logged instruments "$PY" manage.py load_instruments
log "Loading demo data"
run_logged seed "$PY" manage.py seed_demo

log "Starting Celery worker, Celery beat and the web server"
start worker "$VENV/bin/celery" -A fbss_clinic worker -l info
start beat "$VENV/bin/celery" -A fbss_clinic beat -l info \
    --scheduler django_celery_beat.schedulers:DatabaseScheduler
start web "$PY" manage.py runserver "127.0.0.1:$PORT"

# Ready when /healthz answers; give up if a service exits first.
ready=""
for _ in $(seq 120); do
    for name in "${!PIDS[@]}"; do
        if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
            tail -n 40 "$LOG_DIR/$name.log" >&2
            die "$name exited during start-up; full output in var/log/$name.log"
        fi
    done
    if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.5
done
[[ -n "$ready" ]] || { tail -n 40 "$LOG_DIR/web.log" >&2; die "web server did not answer within 60 s"; }

cat <<EOF

  FBSS clinic demo is running:  http://127.0.0.1:$PORT/

  Demo logins (from manage.py seed_demo; see README.md for each one's role):
$(sed 's/^/    /' "$LOG_DIR/seed.log")

  Database:  $db_desc
  Celery:    worker + beat, $broker_desc
  E-mail:    written to files in var/mail/
  SMS:       written to files in var/sms/
  Logs:      var/log/web.log, worker.log, beat.log (followed below)
  Stop:      Ctrl-C

EOF

# Follow the three logs on the console, each line prefixed by its service.
# tail prints a "==> file <==" header whenever it switches file; awk turns
# that header into the prefix. Its own process group, like the services.
# shellcheck disable=SC2016 # "$@" is for the inner bash
setsid env --default-signal=INT,QUIT bash -c 'tail -n 0 -F "$@" 2>/dev/null | awk -f "$0"' "$REPO_ROOT/scripts/log-prefix.awk" \
    "$LOG_DIR/web.log" "$LOG_DIR/worker.log" "$LOG_DIR/beat.log" </dev/null &
PIDS[logs]=$!

# Run until Ctrl-C (the trap stops everything) or until a service dies.
while true; do
    wait -n || true
    for name in web worker beat; do
        if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
            tail -n 20 "$LOG_DIR/$name.log" >&2
            die "$name stopped unexpectedly; see var/log/$name.log"
        fi
    done
done
