# Shared by scripts/run.sh and scripts/test.sh: a virtualenv with the pinned dependencies.
# shellcheck shell=bash
PYTHON=${PYTHON:-python3}
VENV=${GRIDCARE_VENV:-.venv}

ensure_venv() {
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "gridcare needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)" >&2
    exit 1
  fi
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
}

# pip install with the tested versions (constraints.txt is the lock file).
pip_install() {
  "$VENV/bin/python" -m pip install --quiet --constraint constraints.txt "$@"
}

# Debian packages that tests need: Chromium for the browser tests, a CJK font so Chinese renders.
ensure_debian_packages() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi 'wenquanyi\|wqy\|noto sans cjk' || missing+=(fonts-wqy-microhei)
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "needs Debian packages ${missing[*]}: run as root or install them" >&2; exit 1
    fi
  fi
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
}
