# The two commands a newcomer needs:
#   make run    the demo at http://127.0.0.1:8000/ (PORT=8001 to change)
#   make test   lint + the full test suite, services included
# Both set up .venv themselves. See scripts/ for what they do.

PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test bench venv lint clean distclean

help:
	@echo "make run                        demo server, worker and beat (PORT=8000)"
	@echo "make test [PYTEST_ARGS='-k x']  ruff, mypy and pytest with throwaway PostgreSQL/Redis"
	@echo "make bench [BENCH_PATIENTS=5000] scale data, gunicorn and load: latency, throughput, queries (README: Performance)"
	@echo "make venv                       create .venv with the dev requirements"
	@echo "make lint                       ruff, mypy (and shellcheck if installed)"
	@echo "make clean                      remove var/ (demo database, logs, mail) and caches"
	@echo "make distclean                  clean, and remove .venv"

run:
	@bash scripts/run-demo.sh

# PYTEST_ARGS is pasted unquoted on purpose: the shell then honours quotes
# inside it, e.g. PYTEST_ARGS='-k "login and not slow"'.
test:
	@bash scripts/test.sh $(PYTEST_ARGS)

# Sizes and durations of `make bench` (bench/run.py reads them; empty means its default).
export BENCH_CLINICS BENCH_PATIENTS BENCH_SEED BENCH_SECONDS BENCH_ROUNDS BENCH_WORKERS BENCH_MESSAGES

bench:
	@bash scripts/test.sh --bench

venv:
	@bash -c '. scripts/lib.sh && ensure_venv dev'

lint: venv
	.venv/bin/ruff check .
	.venv/bin/mypy .
	@if command -v shellcheck >/dev/null; then shellcheck -x scripts/*.sh .ci/run; else echo "shellcheck not installed; skipped"; fi

clean:
	rm -rf var/ staticfiles/ test-artifacts/ .pytest_cache/ .mypy_cache/ .ruff_cache/
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv
