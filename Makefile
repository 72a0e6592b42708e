# PartnerHub — the two commands are `make run` and `make test`; the rest are conveniences.
# Everything runs from a project-local virtualenv (.venv) created on first use. PostgreSQL and
# Redis are started from wheels in .data/ unless DATABASE_URL / REDIS_URL are set.

# The interpreter .venv is built with: the first supported one on PATH (deploy/find-python says what to install
# if there is none), or the one named with `make run PYTHON=/path/to/python3.12`.
PYTHON ?=
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Run as a script, not with -m: importing the partnerhub package would set DJANGO_SETTINGS_MODULE.
EMBEDDED := $(PY) partnerhub/embedded.py exec --
# Looked up before .venv/bin joins PATH: the venv is built from a system interpreter, never from itself.
SYSTEM_PATH := $(PATH)
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test test-fast lint fmt migrate seed check audit messages install clean-data bench bench-hold bench-mail bench-webhooks bench-billing chaos

$(BIN)/.installed: pyproject.toml
	@python=$$(PATH='$(SYSTEM_PATH)' sh deploy/find-python $(PYTHON)) && echo "Creating $(VENV) with $$python" \
	  && $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,embedded]'
	touch $@

install: $(BIN)/.installed

## run: install, start PostgreSQL + Redis, migrate, seed the demo, run web + worker + beat (Ctrl-C stops all)
run: install
	$(EMBEDDED) sh -c 'DATABASE_URL="$$DATABASE_OWNER_URL" python manage.py migrate --noinput && DATABASE_URL="$$DATABASE_OWNER_URL" python manage.py seed_demo && exec honcho -f Procfile start'

## test: install and run the whole suite against real PostgreSQL, Redis, Celery, SMTP and Chromium
test: install
	$(EMBEDDED) python -m pytest

## test-fast: the suite without Chromium, a Celery worker, the harness smokes or the long sweeps (-m "not slow"; the
## `slow` marker and what carries it: tests/conftest.py), on two processes; `make test` still runs everything
test-fast: install
	$(EMBEDDED) python -m pytest -m "not slow" -n 2

## lint: ruff (rules and formatting), no model change without its migration, mypy with django-stubs (CI runs it before test)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(EMBEDDED) python manage.py makemigrations --check --dry-run
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Migrations and the seed run as the tables' owner (DATABASE_OWNER_URL); the app as its own role (DATABASE_URL).
migrate: install
	$(EMBEDDED) sh -c 'DATABASE_URL="$$DATABASE_OWNER_URL" exec python manage.py migrate --noinput'

seed: install
	$(EMBEDDED) sh -c 'DATABASE_URL="$$DATABASE_OWNER_URL" exec python manage.py seed_demo'

## audit: the release gate: known vulnerabilities in the installed packages (needs the network; not in `make test`)
audit: install
	$(PY) deploy/audit.py

## check: the production deployment checklist, as CI runs it
check: install
	DJANGO_SETTINGS_MODULE=partnerhub.settings.production SECRET_KEY=check-$$(date +%s%N)-0123456789abcdefghijklmnopqrstuvwxyz \
	  ALLOWED_HOSTS=partnerhub.example SITE_URL=https://partnerhub.example DATABASE_URL=postgres://localhost/partnerhub \
	  $(PY) manage.py check --deploy --fail-level WARNING

## messages: extract and compile translations (needs GNU gettext)
messages: install
	$(PY) manage.py makemessages -l fr --ignore '.venv/*' --ignore '.data/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

## bench: every key page against a one-query ceiling at 1x, 10x and the whale (bench/README.md) → bench/load/report.{md,json},
## then webhook deliveries per second (bench-webhooks)
# It starts its own PostgreSQL (with pg_stat_statements), Redis and gunicorn (under bench.settings): no $(EMBEDDED) around it.
bench: install
	$(PY) bench/load/run.py $(BENCH_ARGS)
	$(PY) bench/load/webhooks.py $(WEBHOOK_BENCH_ARGS)

## bench-hold: the benchmark at 1x, then 10 minutes of mixed load while Celery sends 2,000 invitation emails
bench-hold: install
	$(PY) bench/load/run.py --scales 1 --hold 600 $(BENCH_ARGS)

## bench-mail: invitation emails through the outbox, a prefork Celery worker and an SMTP sink → bench/load/report-mail.{md,json}
bench-mail: install
	$(PY) bench/load/mail.py $(BENCH_ARGS)

## bench-webhooks: 2,000 webhook events through the outbox, a prefork Celery worker and a signature-checking receiver → bench/load/report-webhooks.{md,json}
bench-webhooks: install
	$(PY) bench/load/webhooks.py $(WEBHOOK_BENCH_ARGS)

## bench-billing: a seeded world's purchases rated and invoiced by the billing run, as the app role → bench/load/report-billing.{md,json}
bench-billing: install
	$(EMBEDDED) python bench/load/billing.py $(BILLING_BENCH_ARGS)

## chaos: fault injection F1–F9 on real processes (bench/chaos/README.md) → bench/chaos/report.{md,json}; not part of `make test`
# Like bench it starts its own PostgreSQL, Redis, gunicorn, Celery worker and beat: no $(EMBEDDED) around it.
chaos: install
	$(PY) bench/chaos/run.py $(CHAOS_ARGS)

clean-data:
	$(PY) partnerhub/embedded.py down
	rm -rf .data
