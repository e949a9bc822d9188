#!/usr/bin/env bash
# Short fuzz smoke for CI, on stable (-s none: no sanitizer, so no nightly).
# Each target runs a bounded time, seeded with its kept corpus
# (fuzz/regressions/<target>/, replayed first); about 100 s of fuzzing in all.
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
# crate target seconds
targets=(
  "extract extract 30"
  "extract sanitize 20"
  # "ingest feed 20"  # out of the smoke until the crash in crates/ingest/fuzz/known-crashes/ (found 2026-12-06) is fixed
  "core public_url 15"
  "core canonicalize 15"
)
if [ $# -ge 2 ]; then targets=("$1 $2 ${FUZZ_SECONDS:-15}"); fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for t in "${targets[@]}"; do
  read -r crate target seconds <<<"$t"
  dir="$root/crates/$crate"
  corpus="$work/$crate-$target"
  mkdir -p "$corpus"
  seeds=()
  [ -d "$dir/fuzz/regressions/$target" ] && seeds+=("$dir/fuzz/regressions/$target")
  log="$work/$crate-$target.log"
  echo "== fuzz $crate/$target for ${seconds} s"
  # libFuzzer is chatty: keep its output for a failure, print the summary otherwise.
  if (cd "$dir" && cargo fuzz run "$target" -s none --target-dir "$root/target/fuzz" \
        "$corpus" "${seeds[@]}" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10) >"$log" 2>&1; then
    grep -E '^Done [0-9]+ runs' "$log" || tail -n 3 "$log"
  else
    status=$?
    grep -v '^"' "$log" | tail -n 60
    echo "fuzz $crate/$target FAILED (exit $status); the crashing input is under crates/$crate/fuzz/artifacts/$target/:"
    echo "fix it, then keep the input in crates/$crate/fuzz/regressions/$target/"
  fi
done
exit "$status"
