#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target of fuzz/ on stable Rust, from the
# repository root:
#   bash .ci/fuzz.sh                      # each target 60 s (CI_FULL=1 bash .ci/run)
#   FUZZ_SECONDS=600 bash .ci/fuzz.sh     # longer
#   FUZZ_TARGETS="plan depthwise" FUZZ_ASAN_SECONDS=0 bash .ci/fuzz.sh
#                                         # some targets, no sanitizer run
# Each target runs FUZZ_SECONDS seconds without sanitizer (`-s none`),
# FUZZ_JOBS targets at a time (default: one per CPU), then
# FUZZ_ASAN_TARGET (default filter_u8) runs FUZZ_ASAN_SECONDS more under
# AddressSanitizer (RUSTC_BOOTSTRAP=1 lets stable pass -Zsanitizer; stable
# ships the ASan runtime; 0 skips it). FUZZ_TARGETS picks targets (default:
# every [[bin]] of fuzz/Cargo.toml). Fuzzing works on copies of the committed seed
# corpora in a temporary directory, so the repository does not change.
# A finding fails the script and leaves its input in fuzz/artifacts/<target>/
# (turn it into a regression test: fuzz/src/tests.rs).
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-$(nproc)}
asan_target=${FUZZ_ASAN_TARGET:-filter_u8}
asan_seconds=${FUZZ_ASAN_SECONDS:-$seconds}
export CARGO_TERM_COLOR=never

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs one target for $2 seconds on a scratch copy of its seeds; prints
# libFuzzer's final `#N DONE` line (runs, coverage, exec/s).
fuzz() {
    local target=$1 secs=$2
    shift 2
    local corpus=$work/corpus/$target log=$work/$target.log
    mkdir -p "$corpus"
    cp fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
    if ! (cd fuzz && "$@" "$target" "$corpus" -- -max_total_time="$secs" -timeout=20) >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "FAILED: fuzz target $target ($*)" >&2
        return 1
    fi
    printf '%-12s %s\n' "$target" "$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)"
}

# 16 codegen units, not cargo-fuzz's default 1: the checks instantiate every
# backend's passes for every output type, and one unit at opt-level 3 took
# over 8 minutes to build here; the runs are somewhat slower per input.
cgu=(--codegen-units 16)
targets=${FUZZ_TARGETS:-$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^sepconv-fuzz$')}
echo "=== cargo fuzz build -s none"
(cd fuzz && cargo fuzz build -s none "${cgu[@]}") >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
echo "=== each target ${seconds}s, no sanitizer, $jobs at a time"
# Each fuzzer is one process on one core: run `jobs` of them side by side.
pids=()
failed=0
for target in $targets; do
    fuzz "$target" "$seconds" cargo fuzz run -s none "${cgu[@]}" >"$work/$target.summary" 2>&1 &
    pids+=($!)
    if ((${#pids[@]} >= jobs)); then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
done
for target in $targets; do
    cat "$work/$target.summary"
done
((failed == 0)) || exit 1

if ((asan_seconds == 0)); then
    echo "fuzzing: no findings (no sanitizer run)"
    exit 0
fi
echo "=== $asan_target ${asan_seconds}s, AddressSanitizer"
# A separate target directory: the sanitizer's flags would otherwise
# invalidate the build above.
RUSTC_BOOTSTRAP=1 fuzz "$asan_target" "$asan_seconds" cargo fuzz run --target-dir target/asan "${cgu[@]}"
echo "fuzzing: no findings"
