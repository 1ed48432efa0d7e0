# hotline — two commands on a fresh machine with Python 3.11:
#   make run    create .venv, install, migrate the SQLite database, load the demo, serve :5000
#   make test   install the test tools and run the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?=
# Test processes (pytest-xdist): this machine's two cores.
PYTEST_WORKERS ?= 2

.PHONY: run test lint bench bench-smoke scale-out worker scheduler migrate demo docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-test.txt
	touch $@ $(VENV)/.runtime

# The embedded set-up serves plain http on 127.0.0.1, so its cookie cannot be Secure-only.
run: $(VENV)/.runtime
	$(FLASK) db upgrade
	$(FLASK) demo
	HOTLINE_SECURE_COOKIES=$${HOTLINE_SECURE_COOKIES:-false} $(FLASK) serve

# Scale-out: with HOTLINE_REDIS_URL set, side effects go to RQ; run workers and one scheduler.
# `make scale-out` starts the Procfile: gunicorn (HOTLINE_WEB_WORKERS), RQ_WORKERS RQ workers
# and the scheduler, against HOTLINE_DATABASE_URL and HOTLINE_REDIS_URL.
RQ_WORKERS ?= 2
scale-out: $(VENV)/.runtime
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -c worker=$(RQ_WORKERS)

worker: $(VENV)/.runtime
	$(FLASK) worker

scheduler: $(VENV)/.runtime
	$(FLASK) scheduler

migrate: $(VENV)/.runtime
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo

docs: $(VENV)/.runtime
	$(FLASK) workflow-docs

# pytest exits 5 when it collected nothing: that must never pass.
test: $(VENV)/.test lint bench-smoke
	@scripts/ensure-chromium
	@$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# The static checks (also run by the pre-commit hook): lint, format, types, layers.
lint: $(VENV)/.test
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The benchmarks (docs/performance.md): full size, each printing its table with the target
# or the peer measured in the same run; bench-smoke runs each at a tiny size (part of test).
BENCHMARKS := $(sort $(wildcard bench/[a-z]*.py))
# Helpers, not benchmarks: the shared harness, the data generator, the floor app, the peer.
BENCHMARK_SCRIPTS := $(filter-out bench/harness.py bench/generate.py bench/floor_app.py bench/peer.py,$(BENCHMARKS))

# Every benchmark runs, whatever the one before it missed; the exit status says whether any did.
bench: $(VENV)/.test
	@missed=""; for b in $(BENCHMARK_SCRIPTS); do echo "== $$b"; $(BIN)/python $$b || missed="$$missed $$b"; done; \
	  if [ -n "$$missed" ]; then echo "make bench: a target missed or a step failed in:$$missed"; exit 1; fi

bench-smoke: $(VENV)/.test
	@for b in $(BENCHMARK_SCRIPTS); do $(BIN)/python $$b --smoke >/dev/null 2>bench-smoke.log || \
	  { echo "make bench-smoke: $$b failed"; cat bench-smoke.log; exit 1; }; done; rm -f bench-smoke.log; \
	echo "make bench-smoke: $(words $(BENCHMARK_SCRIPTS)) benchmarks run"

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
