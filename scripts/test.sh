#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# What `make test` runs. Installs missing system packages (apt), starts a
# throwaway PostgreSQL and Redis on free loopback ports, installs the dev
# requirements into .venv, then runs ruff, mypy and pytest against them.
# Arguments are passed to pytest:  scripts/test.sh -k scheduling -x
# `scripts/test.sh --bench` (make bench) runs bench/run.py (scale data, gunicorn, load) on the same services instead.
# Exit status: the first failing step's (ruff, mypy, then pytest), else 0.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/services.sh"

start_time=$SECONDS

# shellcheck disable=SC2317 # called by the traps
cleanup() {
    local rc=$?
    # A second Ctrl-C or TERM must not cut the clean-up short.
    trap '' INT TERM HUP
    if [[ -n "$SVC_DIR" ]]; then
        log "Stopping PostgreSQL and Redis"
        stop_services
    fi
    exit "$rc"
}
# shellcheck disable=SC2317
on_signal() {
    trap '' INT TERM HUP
    exit "$1"
}
trap cleanup EXIT
# Signals become a normal exit, so the EXIT trap runs exactly once.
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

ensure_system_packages
ensure_venv dev

svc_start=$SECONDS
start_services
log "Services up in $((SECONDS - svc_start)) s: PostgreSQL 127.0.0.1:$PG_PORT (db fbss), Redis 127.0.0.1:$REDIS_PORT (data in $SVC_DIR, removed on exit)"

export PATH="$VENV/bin:$PATH" VIRTUAL_ENV="$VENV"
export DJANGO_SETTINGS_MODULE=fbss_clinic.settings.test
export DJANGO_ALLOW_ASYNC_UNSAFE=true
export CHROMIUM_PATH=/usr/bin/chromium
# Temporary files of the run (test media, browser profiles, ...) go inside
# SVC_DIR, so they are deleted with it.
mkdir -p "$SVC_DIR/tmp"
export TMPDIR="$SVC_DIR/tmp"

status=0
step() {
    local name="$1" rc=0
    shift
    log "$name"
    "$@" || rc=$?
    if ((rc != 0)); then
        warn "$name failed (exit $rc)"
        ((status == 0)) && status=$rc
    fi
    results+=("$(printf '%-7s %s' "$name" "$([[ $rc == 0 ]] && echo ok || echo "FAILED ($rc)")")")
}
results=()

if [[ "${1:-}" == "--bench" ]]; then
    step bench "$VENV/bin/python" bench/run.py
else
    # Lint failures do not stop the run: pytest still runs, so one `make test`
    # shows every problem. The exit status is the first failure's.
    step ruff "$VENV/bin/ruff" check .
    step mypy "$VENV/bin/mypy" .
    step pytest "$VENV/bin/python" -m pytest "$@"
fi

log "Summary ($((SECONDS - start_time)) s):"
printf '    %s\n' "${results[@]}" >&2
exit "$status"
