#!/usr/bin/env bash
# Installs what is needed and runs the whole system with embedded defaults:
# SQLite under ./var, the in-process bus, demo data. Prints the URL and demo logins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/fernblick serve --demo
