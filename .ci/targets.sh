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
#   1. sepconv-core checked for wasm32-unknown-unknown (+simd128; built
#      with CI_FULL=1) and riscv32imac-unknown-none-elf (Cortex-M: the
#      firmware below builds it; aarch64: the test build below);
#   2. examples/firmware for thumbv7em-none-eabihf, blur alone (u8 → u8,
#      one output type) and blur + Sobel (u8 → u8 and u8 → i16): each
#      booted on QEMU's Arm MPS2 AN386 board (Cortex-M4F), where it streams
#      a 640×480 frame and prints its outputs' checksums over semihosting,
#      which must equal the host reference's (tests/embedded.rs); its .text,
#      peak stack and instructions a pixel (QEMU's -icount) printed, and the
#      blur alone held to the targets of docs/embedded.md (.text ≤ 8 KiB,
#      stack ≤ 2 KiB);
#   3. the core and facade test suites (unit and integration tests, no doc
#      tests) on aarch64-unknown-linux-gnu under qemu-user, asserting that
#      the portable backend there is NEON and that the backend tests ran it;
#      then tests/embedded.rs again built as a release build is (optimised,
#      no overflow checks), where the compiler turns the portable u8 engine
#      into NEON code (asserted from the disassembly) that must give the
#      reference's bits;
#   4. with CI_FULL=1: the core's unit tests and the backend, stream and
#      embedded tests built for wasm32-wasip1 with +simd128 and run on
#      Node's WASI (.ci/wasi.cjs), asserting simd128 is the portable backend
#      and that the backend tests ran it.
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
packages=(rustc-web cargo-web rust-web-src gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user binutils-arm-none-eabi
    qemu-system-arm lld-22 wasi-libc)
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

step "the firmware's reference checksums on the host (tests/embedded.rs, rustup's toolchain)"
# `--workspace`, as .ci/run's test run: the same features, so nothing rebuilds there.
quiet "$logs/fw-reference.log" '^firmware reference' \
    cargo test --workspace --locked --test embedded firmware_pipeline_matches_the_reference -- --nocapture
reference=$(grep -o 'blur=[0-9a-f]* gx=[0-9a-f]* gy=[0-9a-f]*' "$logs/fw-reference.log")
[ -n "$reference" ] || { echo "FAILED: no firmware reference from tests/embedded.rs" >&2; exit 1; }

export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
cargo=/usr/bin/cargo
"$RUSTC" --version
"$cargo" --version

# Type-checked only in the gate (no code generation): the Cortex-M firmware
# below compiles the no_std core for a 32-bit target, the wasm32 release
# build (about three minutes with `core` from source) runs with CI_FULL=1,
# whose wasm32-wasip1 tests run the simd128 code.
if [ "${CI_FULL:-0}" = 1 ]; then wasm=build; else wasm=check; fi
step "sepconv-core for wasm32-unknown-unknown (+simd128): cargo $wasm; for riscv32imac-unknown-none-elf: cargo check"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
    quiet "$logs/core.log" '(Compiling|Checking) sepconv-core|Finished|^warning' \
    "$cargo" $wasm --release --locked -Zbuild-std=core -p sepconv-core --target-dir target/cross \
    --target wasm32-unknown-unknown
if [ "$wasm" = build ]; then
    ls -l target/cross/wasm32-unknown-unknown/release/libsepconv_core.rlib | awk '{ printf "  wasm32-unknown-unknown libsepconv_core.rlib %s bytes\n", $5 }'
fi
quiet "$logs/core-riscv.log" 'Checking sepconv-core|Finished|^warning' \
    "$cargo" check --release --locked -Zbuild-std=core -p sepconv-core --target-dir target/cross \
    --target riscv32imac-unknown-none-elf

step "examples/firmware for thumbv7em-none-eabihf (opt-level \"s\", LTO), booted on qemu-system-arm -M mps2-an386 (Cortex-M4F)"
elf=target/cross/thumbv7em-none-eabihf/release/sepconv-firmware-example
firmware() {
    (cd examples/firmware &&
        CARGO_TARGET_THUMBV7EM_NONE_EABIHF_LINKER=arm-none-eabi-ld \
            "$cargo" build --release --locked -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem \
            --target thumbv7em-none-eabihf --target-dir ../../target/cross "$@")
}
# Boots the firmware; under -icount shift=0 each instruction takes 1 ns of
# virtual time, so a tick of the board's 25 MHz timer is 40 instructions.
# QEMU writes the semihosting output to its stderr.
boot() {
    timeout 300 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -icount shift=0 -kernel "$elf" 2>&1
}
# Builds, measures and boots one configuration; $1 names it, $2 is the
# checksum line it must print, the rest are cargo arguments. Prints one
# row of figures and sets fw_text and fw_stack; fails on a wrong checksum
# or a failed run.
run_firmware() {
    local name=$1 want=$2
    shift 2
    quiet "$logs/fw.log" '^warning' firmware "$@"
    local text bss stack out
    text=$(arm-none-eabi-size -A "$elf" | awk '$1 == ".text" { print $2 }')
    bss=$(arm-none-eabi-size -A "$elf" | awk '$1 == ".bss" { print $2 }')
    stack=$(arm-none-eabi-objdump -d -C --no-show-raw-insn "$elf" | python3 examples/firmware/stack_peak.py Reset |
        awk 'NR == 1 { print $(NF - 1) }')
    out=$(boot) || { echo "$out"; echo "FAILED: the firmware ($name) failed under qemu" >&2; exit 1; }
    echo "  qemu: $out"
    grep -q "sepconv-firmware $want " <<<"$out" ||
        { echo "FAILED: the firmware ($name) printed other checksums than the host reference ($want)" >&2; exit 1; }
    awk -v name="$name" -v text="$text" -v bss="$bss" -v stack="$stack" '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "  %-34s .text %6d B   .bss %6d B   stack peak %5d B   instructions a pixel: %6.1f filters, %6.1f frame\n",
            name, text, bss, stack, (v["frame_ticks"] - v["baseline_ticks"]) * 40 / v["pixels"], v["frame_ticks"] * 40 / v["pixels"]
    }' <<<"$out" | tee -a "$logs/fw-figures.txt"
    fw_text=$text fw_stack=$stack
}
empty=811c9dc5 # FNV-1a of nothing: the gradient's checksums without it
run_firmware "blur (u8 -> u8)" "$(sed "s/gx=[0-9a-f]*/gx=$empty/; s/gy=[0-9a-f]*/gy=$empty/" <<<"$reference")" --no-default-features
blur_text=$fw_text blur_stack=$fw_stack
arm-none-eabi-size -A "$elf" | grep -E '^(section|\.vector_table|\.text|\.rodata|\.data|\.bss) '
echo "largest functions (bytes):"
arm-none-eabi-nm --size-sort -S -C -t d "$elf" | awk '$3 ~ /^[tTW]$/ { $1 = ""; $3 = ""; print }' | tail -n 6
arm-none-eabi-objdump -d -C --no-show-raw-insn "$elf" | python3 examples/firmware/stack_peak.py Reset
run_firmware "blur + Sobel (u8 -> u8, u8 -> i16)" "$reference"
# The issue's targets for one output type (docs/embedded.md).
if [ "$blur_text" -gt 8192 ] || [ "$blur_stack" -gt 2048 ]; then
    echo "FAILED: the blur alone needs $blur_text bytes of .text (at most 8192) and $blur_stack of stack (at most 2048)" >&2
    exit 1
fi
echo "firmware: the host's checksums under qemu, the blur alone within 8 KiB of .text and 2 KiB of stack (start-up included)"

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
# opt-level 2 for the two crates: the generic engines and reference are
# compiled in the test binaries, and at opt-level 1 (the host's) their
# iterator adapters stay calls; under emulation opt-level 2 runs the backend
# tests about four times as fast, for half a minute more of compiling.
opt=(--config 'profile.dev.package.sepconv.opt-level=2' --config 'profile.dev.package.sepconv-core.opt-level=2'
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
        awk '/^[0-9a-f]+ <.*>:$/ { inrun = ($0 ~ /Backend::run/) }
             inrun && /\t(smlal2?|smull2?|sqxtn2?|sqxtun2?|mla)\t+v[0-9]+\./ { n++ } END { print n + 0 }')
    echo "NEON multiply-accumulate and narrowing instructions in the tested u8 engine (Backend::run, where it is inlined): $neon"
    [ "$neon" -gt 0 ] || { echo "FAILED: the u8 engine tested on aarch64 is not vectorised" >&2; exit 1; }
fi

if [ "${CI_FULL:-0}" = 1 ]; then
    step "core unit tests and the backend, stream and embedded tests on wasm32-wasip1 (+simd128) under Node's WASI"
    # Debian's wasi-libc (2022) predates the pthread stubs Rust's std links:
    # they become imports that .ci/wasi.cjs makes throw (no test starts a thread).
    export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=+simd128 -L /usr/lib/wasm32-wasi \
        -C link-self-contained=no -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o -C link-arg=--allow-undefined"
    quiet "$logs/wasm-build.log" '^warning|Executable' \
        "$cargo" test --locked -Zbuild-std=std,panic_abort --target wasm32-wasip1 --target-dir target/cross --no-run \
        -p sepconv -p sepconv-core --lib --test backends --test embedded --test stream \
        --config 'profile.dev.package.sepconv.debug=false' --config 'profile.dev.package.sepconv-core.debug=false'
    : >"$logs/wasm.log"
    for wasm in $(grep -o 'target/cross/wasm32-wasip1/debug/deps/[a-z_]*-[0-9a-f]*\.wasm' "$logs/wasm-build.log"); do
        quiet "$logs/wasm-run.log" '^test result|backends under test|portable backend' node .ci/wasi.cjs "$wasm" --nocapture
        cat "$logs/wasm-run.log" >>"$logs/wasm.log"
    done
    grep -q 'portable backend: simd128;' "$logs/wasm.log" ||
        { echo "FAILED: the portable backend is not simd128 on wasm32" >&2; exit 1; }
    grep -qE 'backends under test: scalar, simd128$' "$logs/wasm.log" ||
        { echo "FAILED: the backend tests did not run simd128 on wasm32" >&2; exit 1; }
    [ "$(grep -c '^test result: ok\. [1-9]' "$logs/wasm.log")" -ge 4 ] ||
        { echo "FAILED: not every wasm32 test binary ran and passed" >&2; exit 1; }
    echo "wasm32-wasip1: simd128 is the portable backend; the backend tests ran it (u8 bit-exact, f32 within the bound)"
fi

step "targets done in $(($(date +%s) - start)) s"
