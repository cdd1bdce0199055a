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
    stop_bench_pg
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

# `make bench` keeps its own PostgreSQL between runs, so that the scale data (minutes to make) is
# reused when the seed and size match. Its folder is BENCH_PG_DIR (default under /var/tmp, one per
# checkout; delete it to start from empty). It is a benchmark's scratch data: fsync is off.
BENCH_PG_DATA=""
start_bench_pg() {
    local dir pass port created=""
    dir="${BENCH_PG_DIR:-/var/tmp/fbss-bench-$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)}"
    mkdir -p "$dir"
    chmod 755 "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" || ! -f "$dir/password" ]]; then
        rm -rf "$dir/data"
        mkdir -p "$dir/data"
        "$PYTHON" -c 'import secrets; print(secrets.token_hex(16))' >"$dir/password"
        chmod 600 "$dir/password"
        [[ $EUID -eq 0 ]] && chown postgres: "$dir" "$dir/data"
        chmod 700 "$dir/data"
        local locale_opt=(--no-locale)
        locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && locale_opt=(--locale=C.UTF-8)
        (cd "$dir" && _as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 "${locale_opt[@]}" \
            --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1) ||
            { cat "$dir/initdb.log" >&2; die "initdb of the bench database failed"; }
        created=1
    fi
    pass="$(cat "$dir/password")"
    port="$(free_port "$PG_PORT" "$REDIS_PORT")"
    (cd "$dir" && _as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 120 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB" \
        start >/dev/null) || { tail -n 30 "$dir/postgres.log" >&2; die "the bench's PostgreSQL did not start (delete $dir to start afresh)"; }
    BENCH_PG_DATA="$dir/data"
    if [[ -n "$created" ]]; then
        (cd "$dir" && _as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
            -c "CREATE ROLE fbss LOGIN SUPERUSER PASSWORD '$pass'" -c "CREATE DATABASE fbss OWNER fbss" >/dev/null) ||
            die "could not create the bench's role and database"
    fi
    export DATABASE_URL="postgres://fbss:$pass@127.0.0.1:$port/fbss"
    log "Bench PostgreSQL 127.0.0.1:$port, data kept in $dir$([[ -n "$created" ]] && echo ' (new)')"
}
# shellcheck disable=SC2317 # called by the EXIT trap
stop_bench_pg() {
    [[ -n "$BENCH_PG_DATA" ]] || return 0
    (cd / && _as_pg "$PG_BIN/pg_ctl" -D "$BENCH_PG_DATA" stop -m fast -w -t 60 >/dev/null 2>&1) || true
    BENCH_PG_DATA=""
}

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
    start_bench_pg
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
