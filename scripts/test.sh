#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_venv
pip_install -e '.[test]'
ensure_debian_packages
# loadgroup: tests marked xdist_group share one worker (and its module's costly world).
exec "$VENV/bin/python" -m pytest -n "${GRIDCARE_TEST_PROCESSES:-auto}" --dist loadgroup "$@"
