#!/usr/bin/env bash
# Re-extract translatable messages and merge them into the zh_CN and en catalogs.
# Then translate the new entries in src/gridcare/web/locale/zh_CN/LC_MESSAGES/messages.po.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
"$PY" -m babel.messages.frontend extract -F babel.cfg -k _ -k N_ -k T_ --no-location --sort-output --project gridcare -o "$pot" . >/dev/null
for locale in zh_CN en; do
  po=src/gridcare/web/locale/$locale/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    "$PY" -m babel.messages.frontend update -i "$pot" -o "$po" -l "$locale" --no-fuzzy-matching --ignore-obsolete >/dev/null
  else
    "$PY" -m babel.messages.frontend init -i "$pot" -o "$po" -l "$locale" >/dev/null
  fi
done
echo "catalogs updated; untranslated zh_CN entries:"
"$PY" - <<'PY'
from babel.messages.pofile import read_po
with open("src/gridcare/web/locale/zh_CN/LC_MESSAGES/messages.po", "rb") as f:
    cat = read_po(f)
missing = [m.id for m in cat if m.id and not m.string]
print("\n".join(f"  {m}" for m in missing) or "  none")
PY
