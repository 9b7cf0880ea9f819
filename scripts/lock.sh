#!/usr/bin/env bash
# Re-resolve the dependencies in a scratch virtualenv and write constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install --quiet --upgrade pip
"$scratch/venv/bin/python" -m pip install --quiet '.[test]'
{
  echo "# The tested versions of every dependency (a pip constraints file: the project's lock)."
  echo "# Regenerate after changing pyproject.toml: bash scripts/lock.sh"
  "$scratch/venv/bin/python" -m pip freeze --exclude-editable | grep -vi '^gridcare'
} > constraints.txt
echo "constraints.txt written ($(grep -vc '^#' constraints.txt) packages)"
