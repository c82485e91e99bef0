#!/usr/bin/env bash
# Installs what is needed and runs the whole system with embedded defaults:
# SQLite under ./var, the in-process bus, demo data, and one Janus node (janus-1 of
# FERNBLICK_JANUS_NODES) whose events go to the orchestrator. Prints the URL and demo
# logins. Janus is stopped when the orchestrator exits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

PORT="${FERNBLICK_PORT:-8080}"
HOST="${FERNBLICK_HOST:-127.0.0.1}"
if [ "$HOST" = "0.0.0.0" ]; then HOST=127.0.0.1; fi
mkdir -p var/janus
# Same settings (secrets, ports, event credentials) as the orchestrator reads.
.venv/bin/python -m janus_config.start --node janus-1 --out var/janus/janus-1 \
  --event-url "http://${HOST}:${PORT}/janus/events" >var/janus/janus-1.log 2>&1 &
JANUS_PID=$!
stop_janus() {
  kill "$JANUS_PID" 2>/dev/null || true
  wait "$JANUS_PID" 2>/dev/null || true
}
trap stop_janus EXIT
echo "janus-1 starting (log: var/janus/janus-1.log)"
.venv/bin/fernblick serve --demo
