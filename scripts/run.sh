#!/usr/bin/env bash
# Install gridcare and start it in embedded mode (SQLite, demo data) on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_venv
pip_install -e .
"$VENV/bin/gridcare" demo
exec "$VENV/bin/gridcare" serve "$@"
