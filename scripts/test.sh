#!/usr/bin/env bash
# Installs what is needed and runs the whole test suite against real services
# (PostgreSQL, Redis, RabbitMQ, Janus, coturn, Chromium). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/services.sh
.venv/bin/ruff check .
set +e
# Two workers (the machines have two cores); a file stays on one worker, so the
# browser tests share one Janus and one server.
.venv/bin/python -m pytest -p no:cacheprovider -n "${FERNBLICK_TEST_WORKERS:-2}" --dist loadfile "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
