#!/usr/bin/env bash
# Short fuzz smoke for CI: ~30 seconds of `cargo fuzz run extract` on stable
# (-s none: no sanitizer, so no nightly needed). Installs nothing: without
# cargo-fuzz it says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo fuzz --help >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed; skipping the fuzz smoke"
  exit 0
fi
seconds="${FUZZ_SECONDS:-30}"
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
# Seed with a few real-looking pages so the fuzzer starts inside HTML.
printf '<html><head><meta charset=utf-8><title>t</title></head><body><article><p>Hello, world.</p></article></body></html>' > "$corpus/seed1"
printf '<div><table><tr><td><p>x<li>y</table><script>z</script><a href=/a>l</a>&amp;&#x41;' > "$corpus/seed2"
log="$(mktemp)"
trap 'rm -rf "$corpus" "$log"' EXIT
# libFuzzer is chatty (a status line per new input, a dictionary at the end):
# keep its output for a failure, print the summary otherwise.
if cargo fuzz run extract -s none "$corpus" -- -max_total_time="$seconds" -max_len=65536 >"$log" 2>&1; then
  grep -E '^Done [0-9]+ runs' "$log" || tail -n 3 "$log"
  echo "fuzz smoke: no crash in ${seconds} s"
else
  status=$?
  grep -v '^"' "$log" | tail -n 60
  echo "fuzz smoke FAILED (exit $status); crashing inputs are under crates/extract/fuzz/artifacts/"
  exit "$status"
fi
