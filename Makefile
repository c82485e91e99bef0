# Common tasks. The two set-up commands in the README call scripts/ directly.
PY := .venv/bin/python

.PHONY: help install run test test-fast lint typecheck format migrate revision seed bench-api bench-tracking bench-load topology

help:  ## list the tasks
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install:  ## install system packages, the venv and the web build
	bash scripts/install.sh

run:  ## run Fernblick with embedded defaults and demo data
	bash scripts/run.sh

test:  ## the whole suite, as CI runs it
	bash scripts/test.sh

test-fast:  ## unit tests only
	$(PY) -m pytest tests/unit -q

lint:  ## ruff
	.venv/bin/ruff check .

typecheck:  ## mypy (strict for the domain)
	.venv/bin/mypy orchestrator

format:  ## ruff format
	.venv/bin/ruff format orchestrator tests bench

migrate:  ## bring the database up to date
	.venv/bin/fernblick migrate

revision:  ## autogenerate a migration: make revision m="what changed"
	$(PY) -c "from alembic import command; from orchestrator.db.migrate import alembic_config; from orchestrator.settings import load_settings; command.revision(alembic_config(load_settings().database_url), message='$(m)', autogenerate=True)"

seed:  ## demo data
	.venv/bin/fernblick seed-demo

bench-api:  ## API benchmark on PostgreSQL (100,000 sessions)
	$(PY) -m bench.api

bench-tracking:  ## tracker benchmark (shared scorer)
	$(PY) -m bench.tracking

bench-load:  ## load on the process topology: sessions, 200 WebSockets, call ramp (niced)
	nice -n 10 $(PY) -m bench.load

topology:  ## two orchestrators, workers, two Janus nodes and an entry point (FERNBLICK_* URLs)
	.venv/bin/fernblick topology
