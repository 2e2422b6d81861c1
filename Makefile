# Two commands do all set-up on a fresh machine:
#   make run    -> creates .venv, installs pinned deps, migrates db/crm.sqlite3, loads demo data if empty, starts the app
#   make test   -> creates .venv, installs pinned deps, runs the test suite
#   make lint   -> ruff check, ruff format --check, mypy over crm/, ui/, pages/ and the layer order
#                  (lint-imports; the gate .ci/run runs first)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install lock

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/crm serve

# Two worker processes (pytest-xdist), each test file kept in one worker so that its fixtures
# (demo databases, the browser tests' server) are built once; TEST_JOBS=0 runs in one process.
TEST_JOBS ?= 2
test: $(STAMP)
	$(BIN)/pytest -n $(TEST_JOBS) --dist loadfile --durations=30 $(PYTEST_ARGS)

# Lint, formatting, type and layer gate (configured in pyproject.toml); all four must pass.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Regenerate the pinned lock file after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/crm-lock-venv && $(PYTHON) -m venv /tmp/crm-lock-venv
	/tmp/crm-lock-venv/bin/pip install --quiet --upgrade pip
	/tmp/crm-lock-venv/bin/pip install --quiet ".[test]"
	/tmp/crm-lock-venv/bin/pip freeze --exclude talent-hub-crm > requirements.lock
