#!/usr/bin/env bash
# Runs every cargo-fuzz target under fuzz/ for N seconds each (default 60):
#   scripts/fuzz.sh [SECONDS]
# Needs cargo-fuzz and a nightly toolchain; without them it says so and
# exits 0. A crash stops the run with cargo-fuzz's report and status.
set -euo pipefail

seconds="${1:-60}"
cd "$(dirname "$0")/../fuzz"

if ! cargo fuzz --help >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is not installed (cargo install cargo-fuzz); not fuzzing."
    exit 0
fi
if ! command -v rustup >/dev/null 2>&1 || ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "fuzz.sh: no nightly toolchain (rustup toolchain install nightly); not fuzzing."
    exit 0
fi

for target in $(cargo +nightly fuzz list); do
    echo "fuzz.sh: fuzzing $target for $seconds s"
    cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -max_len=4096
done
echo "fuzz.sh: no crash in $seconds s per target."
