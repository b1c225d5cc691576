# shellcheck shell=bash
# Creates .venv (Python 3.11+) and installs the project once per pyproject.toml change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY="$candidate"; break
    fi
  done
fi
if [ -z "$PY" ]; then echo "erp-panel needs Python 3.11 or newer" >&2; exit 1; fi
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
ensure_installed() {  # $1 = extras spec, e.g. "" or "[dev]"
  local stamp=".venv/.installed$1"
  local want
  want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$1"
    echo "$want" > "$stamp"
  fi
}
