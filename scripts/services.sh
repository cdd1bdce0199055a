# shellcheck shell=bash
# Throwaway PostgreSQL and Redis for the test suite. Source it after lib.sh.
#
#   ensure_system_packages   apt-get install what is missing (postgresql,
#                            redis-server, chromium, fonts)
#   start_services           start both on free loopback ports; sets
#                            SVC_DIR, PG_PORT, REDIS_PORT and exports
#                            DATABASE_URL, REDIS_URL
#   stop_services            stop both and delete SVC_DIR (safe to call twice)
#
# Everything lives in a `mktemp -d` under /tmp, owned by the postgres user,
# so it works even when the repository itself is not readable by postgres.

SVC_PREFIX="${TMPDIR_SERVICES:-/tmp}/fbss-test."
SVC_DIR=""
PG_BIN=""
PG_PORT=""
REDIS_PORT=""

_as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $*"
    fi
}

# Run a command as the database owner: the postgres user when we are root
# (PostgreSQL refuses to run as root), ourselves otherwise.
_as_pg() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

_pg_bin_dir() {
    # Newest installed major version (Debian installs each under its number).
    local d
    d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && printf '%s\n' "$d"
}

_deb_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

ensure_system_packages() {
    local missing=()
    { _pg_bin_dir >/dev/null && command -v psql >/dev/null; } || missing+=(postgresql)
    { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; } || missing+=(redis-server)
    [[ -x /usr/bin/chromium ]] || missing+=(chromium)
    # Without a font, Chromium screenshots render text as empty boxes.
    _deb_installed fonts-dejavu-core || missing+=(fonts-dejavu-core)
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get; install them by hand"
    log "Installing system packages: ${missing[*]}"

    # Debian's postinst scripts would start a system-wide PostgreSQL and
    # Redis on the default ports; we start our own, so forbid that for the
    # duration of the install (policy-rc.d exit 101 = "don't start services").
    local made_policy=""
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        _as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
        made_policy=1
    fi
    local rc=0
    {
        _as_root apt-get update -qq &&
            _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                --no-install-recommends "${missing[@]}" >/dev/null
    } || rc=$?
    [[ -n "$made_policy" ]] && _as_root rm -f /usr/sbin/policy-rc.d
    ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
}

# A run killed with SIGKILL cannot clean up. Its folder records the PID of
# the script that made it; if that script is gone, stop what it left behind.
_reap_stale() {
    local d owner
    for d in "$SVC_PREFIX"*; do
        [[ -d "$d" && -f "$d/owner.pid" ]] || continue
        owner="$(cat "$d/owner.pid" 2>/dev/null || true)"
        if [[ -n "$owner" ]] && kill -0 "$owner" 2>/dev/null; then
            continue # another run is still using it
        fi
        log "Cleaning up services left by an earlier run ($d)"
        _stop_in "$d"
    done
}

_stop_in() {
    local d="$1" pid
    if [[ -f "$d/pg/data/postmaster.pid" ]]; then
        (cd "$d" && _as_pg "$PG_BIN/pg_ctl" -D "$d/pg/data" stop -m immediate -w -t 30 >/dev/null 2>&1) || true
    fi
    if [[ -f "$d/redis.pid" ]]; then
        pid="$(cat "$d/redis.pid" 2>/dev/null || true)"
        if [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; then
            # Wait (max ~5 s) so the port is free when we return.
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$d"
}

start_services() {
    PG_BIN="$(_pg_bin_dir)" || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    _reap_stale

    SVC_DIR="$(mktemp -d "${SVC_PREFIX}XXXXXX")"
    echo $$ >"$SVC_DIR/owner.pid"
    mkdir -p "$SVC_DIR/pg" "$SVC_DIR/redis"
    chmod 755 "$SVC_DIR"
    [[ $EUID -eq 0 ]] && chown -R postgres: "$SVC_DIR/pg"
    # The socket there accepts local connections without a password (trust):
    # only its owner may reach it. TCP needs the generated password.
    chmod 700 "$SVC_DIR/pg"

    PG_PORT="$(free_port)"
    REDIS_PORT="$(free_port "$PG_PORT")"

    # --- PostgreSQL -------------------------------------------------------
    local locale_opt=(--no-locale)
    if locale -a 2>/dev/null | grep -qix 'c.utf-\?8'; then
        locale_opt=(--locale=C.UTF-8)
    fi
    local pg_user=fbss pg_pass
    pg_pass="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(16))')"
    # Run from inside SVC_DIR: the postgres user may not be able to read the
    # repository, which is our current directory.
    (
        cd "$SVC_DIR"
        _as_pg "$PG_BIN/initdb" -D "$SVC_DIR/pg/data" -U postgres -E UTF8 "${locale_opt[@]}" \
            --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$SVC_DIR/pg/initdb.log" 2>&1
    ) || { cat "$SVC_DIR/pg/initdb.log" >&2; die "initdb failed"; }
    # fsync etc. off: the cluster is thrown away, speed is all that matters.
    (
        cd "$SVC_DIR"
        _as_pg "$PG_BIN/pg_ctl" -D "$SVC_DIR/pg/data" -l "$SVC_DIR/pg/postgres.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $SVC_DIR/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null
    ) || { tail -n 30 "$SVC_DIR/pg/postgres.log" >&2; die "PostgreSQL did not start"; }
    # SUPERUSER so pytest-django can create and drop test_fbss (and extensions).
    (
        cd "$SVC_DIR"
        _as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SVC_DIR/pg" -p "$PG_PORT" -U postgres -d postgres \
            -c "CREATE ROLE $pg_user LOGIN SUPERUSER PASSWORD '$pg_pass'" \
            -c "CREATE DATABASE fbss OWNER $pg_user" >/dev/null
    ) || die "could not create the fbss role and database"
    export DATABASE_URL="postgres://$pg_user:$pg_pass@127.0.0.1:$PG_PORT/fbss"

    # --- Redis ------------------------------------------------------------
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
        --daemonize yes --pidfile "$SVC_DIR/redis.pid" --logfile "$SVC_DIR/redis.log" \
        --dir "$SVC_DIR/redis" >/dev/null
    local ok=""
    for _ in $(seq 100); do
        if [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; then
            ok=1
            break
        fi
        sleep 0.1
    done
    [[ -n "$ok" ]] || { tail -n 30 "$SVC_DIR/redis.log" >&2 || true; die "Redis did not answer PING"; }
    export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    # The outbox's fault tests stop this Redis and start it again with the same command line
    # (notifications/tests/test_workers.py).
    export FBSS_TEST_REDIS_PORT="$REDIS_PORT" FBSS_TEST_SERVICES_DIR="$SVC_DIR"
}

stop_services() {
    [[ -n "$SVC_DIR" && -d "$SVC_DIR" ]] || return 0
    _stop_in "$SVC_DIR"
    SVC_DIR=""
}
