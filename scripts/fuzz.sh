#!/usr/bin/env bash
# Runs cargo-fuzz targets under fuzz/ for N seconds each (default 60):
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (no TARGET: every one)
# Needs cargo-fuzz and a nightly toolchain; without them it says so and
# exits 0. A crash stops the run with libFuzzer's report and status.
# Each target runs in ${TMPDIR:-/tmp}/ws-fuzz/TARGET, which holds its
# corpus/, its artifacts/ (crashes, timeouts, OOMs) and whatever the
# target itself writes (a session's `save`). Inside the repository only
# the build (fuzz/target, fuzz/Cargo.lock) and cargo-fuzz's empty
# fuzz/artifacts/TARGET are left, all ignored by git.
set -euo pipefail

seconds="${1:-60}"
shift $(($# > 0))
fuzz="$(cd "$(dirname "$0")/../fuzz" && pwd)"
out="${TMPDIR:-/tmp}/ws-fuzz"

if ! cargo fuzz --help >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is not installed (cargo install cargo-fuzz); not fuzzing."
    exit 0
fi
if ! command -v rustup >/dev/null 2>&1 || ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "fuzz.sh: no nightly toolchain (rustup toolchain install nightly); not fuzzing."
    exit 0
fi

# fuzz/ is a workspace of its own: it starts from the versions ws ships with.
[ -e "$fuzz/Cargo.lock" ] || cp "$fuzz/../Cargo.lock" "$fuzz/Cargo.lock"

# The frames target's seeds (a seed is: setup, limit, n, n u16 chunk
# lengths, frames; see `frames` in src/internals.rs): RFC 7692 §7.2.3's
# compressed "Hello" in one frame, fragmented around a ping, sharing the
# window, in a stored block and in two blocks; an empty message; 4 KiB of
# "a" in 22 bytes (the limit is 1 KiB); masked frames to a server; frames
# without compression; a 20 KiB frame, past a read's 16 KiB, then "Hello".
seeds() {
    local hello='\xc1\x07\xf2\x48\xcd\xc9\xc9\x07\x00'
    seed "$1" hello "\x02\xa0\x00$hello"
    seed "$1" fragments '\x02\xa0\x02\x01\x00\x05\x00\x41\x03\xf2\x48\xcd\x89\x00\x80\x04\xc9\xc9\x07\x00'
    seed "$1" window "\x02\xa0\x00$hello\xc1\x05\xf2\x00\x11\x00\x00"
    seed "$1" stored '\x02\xa0\x00\xc1\x0b\x00\x05\x00\xfa\xff\x48\x65\x6c\x6c\x6f\x00\xc1\x01\x00'
    seed "$1" blocks '\x02\xa0\x00\xc1\x0d\xf2\x48\x05\x00\x00\x00\xff\xff\xca\xc9\xc9\x07\x00'
    seed "$1" bomb '\x02\xa0\x00\xc1\x16\xec\xc1\x01\x0d\x00\x00\x00\xc2\xa0\xac\xef\x5f\xc2\x1e\x0e\x28\x00\x00\x00\xe0\xdd\x00'
    seed "$1" masked '\x03\xa0\x00\xc1\x87\x01\x02\x03\x04\xf3\x4a\xce\xcd\xc8\x05\x03\x89\x80\x00\x00\x00\x00\x88\x82\x00\x00\x00\x00\x03\xe8'
    seed "$1" plain '\x00\xa0\x00\x01\x02hi\x89\x00\x80\x01!\x82\x01\x00\x88\x02\x03\xe8'
    seed "$1" large "\x02\xf0\x00\x82\x7e\x50\x00$(printf '\\x00%.0s' {1..20480})$hello"
}
seed() {
    printf '%b' "$3" >"$1/seed-$2"
}

max_len() {
    case "$1" in
        frames) echo 65536 ;;
        *) echo 4096 ;;
    esac
}

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir "$fuzz")
fi
for target in "${targets[@]}"; do
    dir="$out/$target"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    if [ "$target" = frames ]; then
        seeds "$dir/corpus"
    fi
    echo "fuzz.sh: fuzzing $target for $seconds s in $dir"
    (cd "$dir" && cargo +nightly fuzz run --fuzz-dir "$fuzz" "$target" "$dir/corpus" -- \
        -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/")
done
echo "fuzz.sh: no crash in $seconds s per target."
