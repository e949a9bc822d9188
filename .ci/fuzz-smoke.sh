#!/usr/bin/env bash
# Short fuzz smoke for CI, on stable: each cargo-fuzz target (libFuzzer with
# coverage guidance, no sanitizer: what `cargo fuzz run -s none` builds) replays
# its kept corpus (fuzz/regressions/<target>/) and then runs a fixed number of
# mutations from a fixed seed, so a CI run is reproducible: a commit passes or
# fails the same way every time. A time cap bounds a slow machine; it can only
# cut the same sequence shorter. To hunt for new crashes, run a target longer
# with another seed:
#   FUZZ_SEED=$RANDOM FUZZ_RUNS=5000000 .ci/fuzz-smoke.sh core canonicalize
# or use cargo-fuzz itself (`cd crates/core/fuzz && cargo fuzz run canonicalize -s none`).
#
# The targets are built here with cargo and the instrumentation flags
# cargo-fuzz passes for `-s none --dev`, so CI needs no `cargo install
# cargo-fuzz`; the fuzz crates' dev profile (opt-level 1, no debug info)
# builds in a fraction of cargo-fuzz's release mode (one codegen unit). The
# fuzz crates are workspaces of their own (libFuzzer stays out of the main
# build) sharing one target directory, target/fuzz, so their common
# dependencies are built once; the feed parser is a crate of its own
# (newsroom-feed) so its target builds without the network and database stack.
#   .ci/fuzz-smoke.sh                 every target
#   .ci/fuzz-smoke.sh core public_url one target
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seed="${FUZZ_SEED:-20261206}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
target_dir="${FUZZ_TARGET_DIR:-$root/target/fuzz}"
# crate target runs max-seconds
targets=(
  "extract extract 100000 60"
  "extract sanitize 20000 40"
  "feed feed 100000 40"
  "core public_url 200000 30"
  "core canonicalize 200000 30"
)
if [ $# -ge 2 ]; then targets=("$1 $2 ${FUZZ_RUNS:-250000} ${FUZZ_SECONDS:-600}"); fi

# The flags of cargo-fuzz 0.13's `build -s none --dev` (src/project.rs). With
# --target given, they reach our code and its dependencies but not build
# scripts or proc-macros, which must not be instrumented.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Cllvm-args=-sanitizer-coverage-stack-depth \
-Cdebug-assertions"
built=""
for t in "${targets[@]}"; do
  read -r crate _ _ _ <<<"$t"
  case " $built " in *" $crate "*) continue ;; esac
  echo "== building the $crate fuzz targets"
  cargo build --quiet --manifest-path "$root/crates/$crate/fuzz/Cargo.toml" \
    --target "$triple" --target-dir "$target_dir" --bins
  built="$built $crate"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for t in "${targets[@]}"; do
  read -r crate target runs seconds <<<"$t"
  dir="$root/crates/$crate/fuzz"
  corpus="$work/$crate-$target"
  artifacts="$dir/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  seeds=()
  [ -d "$dir/regressions/$target" ] && seeds+=("$dir/regressions/$target")
  log="$work/$crate-$target.log"
  echo "== fuzz $crate/$target: $runs runs from seed $seed (at most ${seconds} s)"
  # libFuzzer is chatty: keep its output for a failure, print the summary otherwise.
  if "$target_dir/$triple/debug/$target" -artifact_prefix="$artifacts" \
        -seed="$seed" -runs="$runs" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    grep -E '^Done [0-9]+ runs' "$log" || tail -n 3 "$log"
  else
    status=$?
    grep -v '^"' "$log" | tail -n 60
    echo "fuzz $crate/$target FAILED (exit $status); the crashing input is under crates/$crate/fuzz/artifacts/$target/:"
    echo "fix it, then keep the input in crates/$crate/fuzz/regressions/$target/"
  fi
done
exit "$status"
