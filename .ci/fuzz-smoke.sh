#!/usr/bin/env bash
# Short fuzz smoke for CI, on stable (-s none: no sanitizer, so no nightly).
# Each target replays its kept corpus (fuzz/regressions/<target>/) and then
# runs a fixed number of mutations from a fixed seed, so a CI run is
# reproducible: a commit passes or fails the same way every time. A time cap
# bounds a slow machine; it can only cut the same sequence shorter. To hunt
# for new crashes, run a target longer with another seed:
#   FUZZ_SEED=$RANDOM FUZZ_RUNS=5000000 .ci/fuzz-smoke.sh core canonicalize
# Installs nothing: without cargo-fuzz it says so and exits 0.
# The three fuzz crates are workspaces of their own (libFuzzer stays out of
# the main build) but share one target directory, target/fuzz, so their
# common dependencies are built once.
#   .ci/fuzz-smoke.sh                 every target
#   .ci/fuzz-smoke.sh core public_url one target
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! cargo fuzz --help >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed; skipping the fuzz smoke"
  exit 0
fi
seed="${FUZZ_SEED:-20261206}"
# crate target runs max-seconds
targets=(
  "extract extract 150000 40"
  "extract sanitize 40000 30"
  "ingest feed 150000 30"
  "core public_url 250000 20"
  "core canonicalize 250000 20"
)
if [ $# -ge 2 ]; then targets=("$1 $2 ${FUZZ_RUNS:-250000} ${FUZZ_SECONDS:-600}"); fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for t in "${targets[@]}"; do
  read -r crate target runs seconds <<<"$t"
  dir="$root/crates/$crate"
  corpus="$work/$crate-$target"
  mkdir -p "$corpus"
  seeds=()
  [ -d "$dir/fuzz/regressions/$target" ] && seeds+=("$dir/fuzz/regressions/$target")
  log="$work/$crate-$target.log"
  echo "== fuzz $crate/$target: $runs runs from seed $seed (at most ${seconds} s)"
  # libFuzzer is chatty: keep its output for a failure, print the summary otherwise.
  if (cd "$dir" && cargo fuzz run "$target" -s none --target-dir "$root/target/fuzz" \
        "$corpus" "${seeds[@]}" -- \
        -seed="$seed" -runs="$runs" -max_total_time="$seconds" -max_len=65536 -timeout=10) >"$log" 2>&1; then
    grep -E '^Done [0-9]+ runs' "$log" || tail -n 3 "$log"
  else
    status=$?
    grep -v '^"' "$log" | tail -n 60
    echo "fuzz $crate/$target FAILED (exit $status); the crashing input is under crates/$crate/fuzz/artifacts/$target/:"
    echo "fix it, then keep the input in crates/$crate/fuzz/regressions/$target/"
  fi
done
exit "$status"
