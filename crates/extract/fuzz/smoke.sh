#!/usr/bin/env bash
# The extractor's fuzz smoke; every target's is in .ci/fuzz-smoke.sh.
exec "$(dirname "$0")/../../../.ci/fuzz-smoke.sh" extract extract
