#!/usr/bin/env bash
# Cross-target CI for sepconv: run from the repository root (as root, like
# .ci/run, which calls it), or alone:
#   bash .ci/targets.sh
#   bash .ci/targets.sh packages    # only install the packages (.ci/run
#                                   # does this while its host builds run)
#
# Uses Debian's second Rust toolchain (rustc-web, cargo-web, rust-web-src:
# /usr/bin/rustc, /usr/bin/cargo, with the standard library's source, so
# `-Zbuild-std` builds `core`/`std` for any target; rustup's toolchain stays
# first on PATH and is not touched). Installs the packages when missing.
#   1. sepconv-core built for wasm32-unknown-unknown (+simd128) and checked
#      for riscv32imac-unknown-none-elf (Cortex-M: the firmware below
#      builds it; aarch64: the test build below);
#   2. examples/firmware for thumbv7em-none-eabihf: its code size (.text),
#      blur alone (u8 → u8, one output type) and blur + Sobel (u8 → u8 and
#      u8 → i16), the largest functions, and its peak stack;
#   3. the core and facade test suites (unit and integration tests, no doc
#      tests) on aarch64-unknown-linux-gnu under qemu-user, asserting that
#      the portable backend there is NEON and that the backend tests ran it;
#      then tests/embedded.rs again built as a release build is (optimised,
#      no overflow checks), where the compiler turns the portable u8 engine
#      into NEON code (asserted from the disassembly) that must give the
#      reference's bits.
# Also fmt and clippy for examples/firmware (its own workspace), first, with
# rustup's toolchain.
# Artifacts go to target/cross (apart from the main build's target/).
set -euo pipefail

cd "$(dirname "$0")/.."
start=$(date +%s)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

step() {
    printf '\n=== targets: %s  (+%ss)\n' "$*" "$(($(date +%s) - start))"
}

# Runs a command with its output in a log; prints the log whole if the
# command fails, else only the lines matching $pattern.
quiet() {
    local log=$1 pattern=$2
    shift 2
    if ! "$@" >"$log" 2>&1; then
        cat "$log"
        echo "FAILED: $*" >&2
        return 1
    fi
    grep -E "$pattern" "$log" || true
}

step "packages"
packages=(rustc-web cargo-web rust-web-src gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user binutils-arm-none-eabi)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >"$logs/apt.log" 2>&1 || { cat "$logs/apt.log"; exit 1; }
fi
[ "${1:-}" = packages ] && exit 0

export CARGO_TERM_COLOR=never

step "examples/firmware: cargo fmt --check, cargo clippy -D warnings (rustup's toolchain, host target)"
(cd examples/firmware && cargo fmt --check)
for features in --all-features --no-default-features; do
    quiet "$logs/fw-clippy.log" '^(warning|error)' cargo clippy --locked --manifest-path examples/firmware/Cargo.toml \
        --target-dir target/cross/host $features -- -D warnings
done

export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
cargo=/usr/bin/cargo
"$RUSTC" --version
"$cargo" --version

step "sepconv-core for wasm32-unknown-unknown (+simd128) built, for riscv32imac-unknown-none-elf checked"
# riscv32 is type-checked only (no code generation): the Cortex-M firmware
# below already compiles the no_std core for a 32-bit target, and checking
# saves a release build of `core` (about a minute).
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
    quiet "$logs/core.log" 'Compiling sepconv-core|Finished|^warning' \
    "$cargo" build --release --locked -Zbuild-std=core -p sepconv-core --target-dir target/cross \
    --target wasm32-unknown-unknown
ls -l target/cross/wasm32-unknown-unknown/release/libsepconv_core.rlib | awk '{ printf "  wasm32-unknown-unknown libsepconv_core.rlib %s bytes\n", $5 }'
quiet "$logs/core-riscv.log" 'Checking sepconv-core|Finished|^warning' \
    "$cargo" check --release --locked -Zbuild-std=core -p sepconv-core --target-dir target/cross \
    --target riscv32imac-unknown-none-elf

step "examples/firmware for thumbv7em-none-eabihf (opt-level \"s\", panic = \"abort\", LTO; linked by arm-none-eabi-ld)"
elf=target/cross/thumbv7em-none-eabihf/release/sepconv-firmware-example
firmware() {
    (cd examples/firmware &&
        CARGO_TARGET_THUMBV7EM_NONE_EABIHF_LINKER=arm-none-eabi-ld \
            "$cargo" build --release --locked -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem \
            --target thumbv7em-none-eabihf --target-dir ../../target/cross "$@")
}
text_of() { arm-none-eabi-size -A "$elf" | awk '$1 == ".text" { print $2 }'; }
quiet "$logs/fw-blur.log" '^warning' firmware --no-default-features
blur_text=$(text_of)
quiet "$logs/fw.log" '^warning' firmware
full_text=$(text_of)
arm-none-eabi-size -A "$elf" | grep -E '^(section|\.vector_table|\.text|\.rodata|\.data|\.bss) '
echo "largest functions (bytes):"
arm-none-eabi-nm --size-sort -S -C -t d "$elf" | awk '$3 ~ /^[tTW]$/ { $1 = ""; $3 = ""; print }' | tail -n 8
arm-none-eabi-objdump -d -C --no-show-raw-insn "$elf" |
    python3 examples/firmware/stack_peak.py Reset 'Plan>::filter::<u8, i16>'
budget=16384
verdict=$([ "$blur_text" -le "$budget" ] && echo "within" || echo "OVER")
echo "firmware .text: blur alone (u8 -> u8) $blur_text bytes ($verdict the $budget-byte budget for one output type);" \
    "blur + Sobel (u8 -> u8, u8 -> i16) $full_text bytes; start-up code, vector table and soft-float f64 included"

# The gate runs the tests that exercise the vector code (the engines on
# NEON, the embedded side, the facade's dispatch, the depthwise layers);
# CI_FULL=1 runs the whole suite, and the backend tests on the scalar
# backend too (the same code as on the host, where the gate tests it).
if [ "${CI_FULL:-0}" = 1 ]; then
    suite=(--tests)
else
    suite=(--lib --test backends --test embedded --test facade --test depthwise)
    export SEPCONV_TEST_BACKENDS=neon
fi
step "core + facade tests (${suite[*]}) on aarch64-unknown-linux-gnu under qemu-aarch64 (NEON)"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
# The test profile (debug assertions and overflow checks stay on) at
# opt-level 1 for the two crates: unoptimised, the suite takes about 4x as
# long under emulation; opt-level 3 costs minutes more to compile.
opt=(--config 'profile.dev.package.sepconv.opt-level=1' --config 'profile.dev.package.sepconv-core.opt-level=1'
    --config 'profile.dev.package.sepconv.debug=false' --config 'profile.dev.package.sepconv-core.debug=false')
quiet "$logs/aarch64.log" '^test result|Running|backends under test|portable backend' \
    "$cargo" test --locked -Zbuild-std --target aarch64-unknown-linux-gnu --target-dir target/cross \
    -p sepconv -p sepconv-core "${suite[@]}" "${opt[@]}" -- --nocapture
# clippy runs on x86_64 only: code behind `cfg(not(target_arch = "x86_64"))`
# gets its warnings checked here.
if grep -q '^warning' "$logs/aarch64.log"; then
    grep -A12 '^warning' "$logs/aarch64.log"
    echo "FAILED: warnings in the aarch64 build" >&2
    exit 1
fi
grep -qE 'backends under test: (scalar, )?neon$' "$logs/aarch64.log" ||
    { echo "FAILED: tests/backends.rs did not run the NEON backend on aarch64" >&2; exit 1; }
grep -q 'portable backend: neon;' "$logs/aarch64.log" ||
    { echo "FAILED: the portable backend is not NEON on aarch64" >&2; exit 1; }
grep -q '^test result: ok\. [1-9]' "$logs/aarch64.log" || { echo "FAILED: no test ran under qemu" >&2; exit 1; }
echo "aarch64: NEON is the portable backend, and the backend tests ran it"

if [ "${CI_FULL:-0}" = 1 ]; then
    step "tests/embedded.rs on aarch64 under qemu, release codegen (opt-level 3, no overflow checks): vectorised NEON u8"
    release=()
    for p in sepconv sepconv-core; do
        release+=(--config "profile.dev.package.$p.opt-level=3" --config "profile.dev.package.$p.debug=false"
            --config "profile.dev.package.$p.overflow-checks=false" --config "profile.dev.package.$p.debug-assertions=false")
    done
    quiet "$logs/aarch64-release.log" '^test result|Running|portable' \
        "$cargo" test --locked -Zbuild-std --target aarch64-unknown-linux-gnu --target-dir target/cross \
        -p sepconv --test embedded "${release[@]}" -- --nocapture
    grep -q 'portable u8 engine (neon): [1-9][0-9]* shapes bit-identical' "$logs/aarch64-release.log" ||
        { echo "FAILED: the portable u8 engine was not checked on aarch64" >&2; exit 1; }
    bin=$(grep -o 'target/cross/aarch64-unknown-linux-gnu/debug/deps/embedded-[0-9a-f]*' "$logs/aarch64-release.log" | tail -n 1)
    neon=$(aarch64-linux-gnu-objdump -d -C --no-show-raw-insn "$bin" |
        awk '/^[0-9a-f]+ <.*>:$/ { inrun = ($0 ~ /Plan>::run_u8/) }
             inrun && /\t(smlal2?|smull2?|sqxtn2?|sqxtun2?|mla)\t+v[0-9]+\./ { n++ } END { print n + 0 }')
    echo "NEON multiply-accumulate and narrowing instructions in the tested u8 engine (Plan::run_u8): $neon"
    [ "$neon" -gt 0 ] || { echo "FAILED: the u8 engine tested on aarch64 is not vectorised" >&2; exit 1; }
fi

step "targets done in $(($(date +%s) - start)) s"
