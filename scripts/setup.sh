#!/usr/bin/env bash
# Create .venv/ in the repo root and install the project into it (idempotent, quick when done).
# torch is installed first, pinned, so no dependency pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.factcheck-installed
want="$(sha256sum pyproject.toml | cut -c1-16)-${1:-base}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setup: installing torch==2.13.0 (CPU) and the project into .venv (a few minutes, once)" >&2
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install --quiet torch==2.13.0
if [ "${1:-base}" = "dev" ]; then
  .venv/bin/python -m pip install --quiet -e ".[dev]"
else
  .venv/bin/python -m pip install --quiet -e .
fi
echo "$want" > "$stamp"
