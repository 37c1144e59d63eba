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
.venv/bin/ruff check .
# --fast: the quick local loop, without the tests marked slow (the container image build, the Ray
# cluster, the wheel, the Climate-FEVER run); CI runs everything
args=()
for arg in "$@"; do
  if [ "$arg" = "--fast" ]; then args+=(-m "not slow"); else args+=("$arg"); fi
done
exec .venv/bin/python -m pytest "${args[@]}"
