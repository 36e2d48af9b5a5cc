#!/usr/bin/env bash
# The AVX-512 backend on an emulated CPU: CI's machines have AVX2 but not
# AVX-512, so the host's test suite skips that backend. emulator/ is a
# freestanding program that runs the AVX-512 engines against the reference;
# emulator/run.py executes it on BochsCPU (bochscpu-python from PyPI), which
# implements AVX-512F/BW. Run from the repository root.
set -euo pipefail

cd "$(dirname "$0")/.."
version=0.4.0
py=target/emulator-python-$version
if [ ! -d "$py/bochscpu" ]; then
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$py" "bochscpu-python==$version"
fi
mkdir -p target
cc -shared -fPIC -O2 -o target/libisoc23.so emulator/isoc23.c
# The target directory nostd-check/ builds into too (the same flags).
(cd emulator && cargo clippy --release --locked --target-dir ../target/freestanding -- -D warnings && cargo build --release --locked --target-dir ../target/freestanding)
# A bound on the run: a hang in emulated code would otherwise stall CI.
LD_PRELOAD=$PWD/target/libisoc23.so PYTHONPATH=$py timeout 1200 python3 emulator/run.py target/freestanding/release/sepconv-avx512-emulated
