#!/usr/bin/env bash
# Trafilatura baseline on the extraction-dev set, same metric as our eval.
# Installs trafilatura into a throwaway venv under /tmp, outside the build.
# Usage: scripts/trafilatura-baseline.sh [DATASET_DIR] [--precision] [--no-comments]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:-$here/../../shared/datasets/extraction-dev}"
shift || true
if [ ! -f "$data/ground-truth.json" ]; then
  echo "dataset not found at $data; nothing to measure"
  exit 0
fi
venv="${TRAFILATURA_VENV:-/tmp/newsroom-trafilatura-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  spec="trafilatura${TRAFILATURA_VERSION:+==$TRAFILATURA_VERSION}"
  "$venv/bin/pip" install --quiet "$spec"
fi
exec "$venv/bin/python" "$here/trafilatura-baseline.py" "$data" "$@"
