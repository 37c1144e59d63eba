#!/usr/bin/env bash
# Set everything up (with test tools) and run the whole test suite.
# ./test.sh --fast skips the slow tests; other arguments go to pytest (./test.sh -m unit, -k NAME).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh dev
# the browser tests drive Debian's chromium (Playwright cannot download a browser here)
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: installing Debian's chromium for the browser tests (once)" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq chromium >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; }
fi
# axe-core for the browser tests' accessibility check, pinned in tests/browser/package-lock.json
# (installed again when the lock file changes; the copy beside it says which one is installed)
if ! cmp -s tests/browser/package-lock.json tests/browser/node_modules/.factcheck-lock.json; then
  command -v npm >/dev/null 2>&1 || { echo "test: npm is needed for the browser tests (apt-get install npm)" >&2; exit 1; }
  npm ci --prefix tests/browser --no-audit --no-fund --silent
  cp tests/browser/package-lock.json tests/browser/node_modules/.factcheck-lock.json
fi
.venv/bin/ruff check .
# the layers and the no-cycle rule of pyproject.toml's [tool.importlinter]
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
# --fast: the quick local loop, without the tests marked slow (the container image build, the Ray
# cluster, the wheel, the Climate-FEVER run); CI runs everything
args=()
for arg in "$@"; do
  if [ "$arg" = "--fast" ]; then args+=(-m "not slow"); else args+=("$arg"); fi
done
exec .venv/bin/python -m pytest "${args[@]}"
