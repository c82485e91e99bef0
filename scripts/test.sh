#!/usr/bin/env bash
# Installs what is needed and runs the whole test suite against real services
# (PostgreSQL, Redis, RabbitMQ, Janus, coturn, Chromium). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/services.sh
.venv/bin/ruff check .
bash scripts/audit.sh
(cd web && npm run --silent lint && npm run --silent test)
set +e
# Two workers (the machines have two cores), a file per worker. The browser tests run
# in a pytest of their own: Playwright's sync API keeps an event loop running in the
# worker, which the other tests' fixtures must not share.
.venv/bin/python -m pytest -p no:cacheprovider -n "${FERNBLICK_TEST_WORKERS:-2}" --dist loadfile \
  -m "not e2e" "$@"
core=$?
.venv/bin/python -m pytest -p no:cacheprovider -n "${FERNBLICK_TEST_WORKERS:-2}" --dist loadfile \
  -m "e2e and not solo" "$@"
browser=$?
# Tests that measure in real time what a CPU-bound worker does (the tracker following a
# moving camera) run alone, so another browser test's load does not decide them.
.venv/bin/python -m pytest -p no:cacheprovider -m "e2e and solo" "$@"
solo=$?
set -e
for status in "$core" "$browser" "$solo"; do
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure here" >&2
    exit 1
  fi
done
if [ "$core" -ne 0 ] || [ "$browser" -ne 0 ] || [ "$solo" -ne 0 ]; then
  exit 1
fi
