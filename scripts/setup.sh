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
extras=""
if [ "${1:-base}" = "dev" ]; then extras="[dev]"; fi
# pip's output goes to a log, shown only when an install fails: setuptools warns about every
# editable install ("Editable installation ... take precedence"), and a mirror's index may warn
# about each package it lacks; neither is anything to act on
log=.venv/setup-pip.log
: >"$log"
for step in "torch==2.13.0" "-e .$extras"; do
  # shellcheck disable=SC2086 (the -e step is two words)
  if ! .venv/bin/python -m pip install --quiet $step >>"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: pip install $step failed (the log above is in $log)" >&2
    exit 1
  fi
done
echo "$want" > "$stamp"
