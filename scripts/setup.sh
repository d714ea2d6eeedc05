#!/usr/bin/env bash
# Creates both virtualenvs (app: .venv, Rasa: .venv-rasa), migrates and seeds the database
# and trains the NLU model when its training data changed. Idempotent and fast on a rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31m%s\033[0m\n' "$*" >&2; exit 1; }

# The first interpreter among the candidates whose version is MAJOR.MINOR (or newer with +).
find_python() {
  local want="$1"; shift
  local candidate
  for candidate in "$@"; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ] || continue
    if "$candidate" -c "import sys; want=tuple(map(int,'${want%+}'.split('.'))); v=sys.version_info[:2]; sys.exit(0 if (v>=want if '${want}'.endswith('+') else v==want) else 1)" >/dev/null 2>&1; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

pyenv_pythons() {
  local root; root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  ls -d "$root"/versions/"$1"*/bin/python 2>/dev/null | sort -rV || true
}

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# pip's build chatter goes to a log; on failure its end is shown.
mkdir -p var/logs
pip_install() {
  local venv="$1" log="var/logs/pip-$(basename "$1").log"; shift
  if ! "$venv/bin/python" -m pip install --disable-pip-version-check "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "pip install failed (full log: $log)"
  fi
  local count
  count=$(grep -E "^Successfully installed" "$log" | tr ' ' '\n' | grep -c -- '-[0-9]' || true)
  echo "    installed ${count} packages (log: $log)"
}

# --- app environment (Python >= 3.11) ---
APP_PY="$(find_python 3.11+ python3 python3.13 python3.12 python3.11 $(pyenv_pythons 3.1))" \
  || fail "servicebot needs Python 3.11 or newer. Install it (e.g. 'pyenv install 3.11') and rerun 'make setup'."
APP_STAMP="$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -x .venv/bin/python ]; then
  say "Creating the app environment .venv ($("$APP_PY" --version))"
  "$APP_PY" -m venv .venv
fi
if ! stamp_ok .venv/.servicebot-stamp "$APP_STAMP"; then
  say "Installing servicebot and its dependencies into .venv"
  pip_install .venv --upgrade pip
  pip_install .venv -e '.[dev]'
  echo "$APP_STAMP" > .venv/.servicebot-stamp
fi

# --- Rasa environment (Python 3.10: Rasa 3.6 supports 3.8-3.10 only) ---
RASA_PY="$(find_python 3.10 "${PYTHON310:-}" python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10 $(pyenv_pythons 3.10))" || fail "
Rasa 3.6 needs Python 3.10, and none was found on PATH or in pyenv.
Fix: install it, then rerun 'make setup':
  pyenv install 3.10        (with pyenv), or
  sudo apt install python3.10 python3.10-venv   (Debian/Ubuntu with deadsnakes)
Or point to one: make setup PYTHON310=/path/to/python3.10"
RASA_STAMP="$(cat nlu/requirements-rasa.txt | sha256sum | cut -c1-16)"
if [ ! -x .venv-rasa/bin/python ]; then
  say "Creating the Rasa environment .venv-rasa ($("$RASA_PY" --version))"
  "$RASA_PY" -m venv .venv-rasa
fi
if ! stamp_ok .venv-rasa/.servicebot-stamp "$RASA_STAMP"; then
  say "Installing Rasa 3.6 into .venv-rasa (a few minutes the first time)"
  pip_install .venv-rasa --upgrade pip
  pip_install .venv-rasa -r nlu/requirements-rasa.txt
  echo "$RASA_STAMP" > .venv-rasa/.servicebot-stamp
fi

# --- database, demo data, model ---
say "Migrating the database"
.venv/bin/servicebot db upgrade
.venv/bin/servicebot seed demo
say "NLU model"
.venv/bin/servicebot nlu train
