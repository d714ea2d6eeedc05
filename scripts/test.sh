#!/usr/bin/env bash
# Lint, type-check, check the layering, then run pytest (no tests collected is a failure).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

# One command per line: under `set -e` a failure on the left of `&&` does not stop the script.
echo "==> ruff"; ruff check .
ruff format --check .
echo "==> mypy --strict"; mypy
echo "==> import-linter"; lint-imports
[ "${1:-}" = "--lint-only" ] && exit 0
echo "==> pytest"
pytest --durations=25 "$@"
