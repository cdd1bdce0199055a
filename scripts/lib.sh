# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it, don't run it.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# After sourcing, the working directory is the repository root and REPO_ROOT
# holds its absolute path.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT" || exit 1

# Interpreter used to create the virtualenv; override with PYTHON=python3.11.
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-$REPO_ROOT/.venv}"

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# sha256 of the given files' contents, short form.
_files_hash() {
    cat "$@" | sha256sum | cut -c1-16
}

# ensure_venv run|dev
#   run: requirements.txt (what `make run` needs)
#   dev: requirements-dev.txt (includes requirements.txt; tests and linters)
# Creates $VENV if needed and installs the requirements, unless a stamp file
# for exactly these requirement files says it was already done. A dev install
# also satisfies a later run install (requirements-dev.txt includes
# requirements.txt), so it writes both stamps.
ensure_venv() {
    local kind="$1" run_hash dev_hash want
    [[ -f requirements.txt ]] || die "requirements.txt not found in $REPO_ROOT"
    run_hash="$(_files_hash requirements.txt)"
    dev_hash=""
    if [[ "$kind" == dev ]]; then
        [[ -f requirements-dev.txt ]] || die "requirements-dev.txt not found in $REPO_ROOT"
        dev_hash="$(_files_hash requirements.txt requirements-dev.txt)"
        want="$VENV/.installed-dev-$dev_hash"
    else
        want="$VENV/.installed-run-$run_hash"
    fi

    # A venv whose interpreter no longer runs (moved repo, removed Python)
    # is rebuilt from scratch.
    if [[ -d "$VENV" ]] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
        warn "$VENV is broken; recreating it"
        rm -rf "$VENV"
    fi
    if [[ ! -x "$VENV/bin/python" ]]; then
        command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.11"
        "$PYTHON" - <<'EOF' || die "Python 3.11 or newer is required (set PYTHON=/path/to/python3.11)"
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
EOF
        log "Creating virtualenv in $VENV"
        "$PYTHON" -m venv "$VENV"
    fi

    if [[ -f "$want" ]]; then
        log "Virtualenv up to date ($(basename "$want"))"
        return 0
    fi

    local req=requirements.txt
    [[ "$kind" == dev ]] && req=requirements-dev.txt
    _ensure_pg_config
    log "Installing $req into $VENV (first run takes a few minutes)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r "$req"

    # Old stamps describe requirement files that no longer exist.
    rm -f "$VENV"/.installed-*
    touch "$VENV/.installed-run-$run_hash"
    [[ -n "$dev_hash" ]] && touch "$VENV/.installed-dev-$dev_hash"
    return 0
}

# psycopg2 (not -binary) compiles against libpq: it needs pg_config and the
# libpq headers. Install them with apt when we can, else say what is missing.
_ensure_pg_config() {
    grep -qi '^psycopg2==' requirements.txt || return 0
    command -v pg_config >/dev/null 2>&1 && return 0
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "Installing libpq-dev (psycopg2 is built from source)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libpq-dev >/dev/null
    else
        die "pg_config not found: install libpq-dev (Debian/Ubuntu) or postgresql-devel, then re-run"
    fi
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on right now.
# Pass ports to avoid as arguments (so two calls never return the same port).
free_port() {
    "$PYTHON" - "$@" <<'EOF'
import socket, sys
avoid = {int(p) for p in sys.argv[1:]}
while True:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    if port not in avoid:
        print(port)
        break
EOF
}

# port_in_use PORT: true if something accepts connections on 127.0.0.1:PORT.
port_in_use() {
    "$PYTHON" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
}
