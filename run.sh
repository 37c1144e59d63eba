#!/usr/bin/env bash
# Set everything up and run the main job on the embedded default:
# index the bundled sample corpus and check sample claims against it.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/factcheck demo "$@"
