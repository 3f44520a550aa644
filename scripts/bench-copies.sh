#!/usr/bin/env bash
# `ws echo-server` as it starts (on an AMD processor it starts itself again
# with glibc's vector copies, see src/glibc_copies.rs) next to the same
# binary kept from starting again (WS_RESTARTED_FOR_COPIES set, so glibc
# copies 4 KiB and more with `rep movsb`, as it chooses on its own), for
# the echo cells of 16 KiB. The two servers take turns round by round;
# prints each one's median msg/s and the median of the ratios taken round
# by round ("paired"). On a processor that is not AMD's both run alike.
#
#   scripts/bench-copies.sh              # 5 rounds of 3 s per cell
#   ROUNDS=9 SIZE=65536 scripts/bench-copies.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-3}
SIZE=${SIZE:-16384}
source scripts/wsbench.sh
cargo build --release --quiet --bin ws
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# The two servers; each prints its port on its first line.
target/release/ws echo-server -p 0 >"$work/vector" 2>&1 </dev/null &
WS_RESTARTED_FOR_COPIES=1 target/release/ws echo-server -p 0 >"$work/rep" 2>&1 </dev/null &
port() {
    for _ in $(seq 100); do
        grep -q "Running server" "$work/$1" 2>/dev/null && break
        sleep 0.05
    done
    sed -n 's/^Running server on .*:\([0-9]*\)$/\1/p' "$work/$1"
}
vector=$(port vector)
rep_movsb=$(port rep)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rate() { # port connections window
    "$WSBENCH" echo-load --url "ws://127.0.0.1:$1/" --connections "$2" --window "$3" \
        --size "$SIZE" --messages 100000000 --duration "$SECS" 2>&1 |
        sed -n -E 's/.*: ([0-9]+) msg\/s.*/\1/p'
}

printf '%-22s %12s %12s %6s %6s\n' "cell (S=$SIZE)" "as started" "rep movsb" ratio paired
for c in 1 8; do for w in 1 64; do
    : >"$work/v"; : >"$work/r"; : >"$work/paired"
    for round in $(seq "$ROUNDS"); do
        # A different server first each round.
        if [ $((round % 2)) = 1 ]; then
            v=$(rate "$vector" "$c" "$w"); r=$(rate "$rep_movsb" "$c" "$w")
        else
            r=$(rate "$rep_movsb" "$c" "$w"); v=$(rate "$vector" "$c" "$w")
        fi
        echo "$v" >>"$work/v"; echo "$r" >>"$work/r"
        awk -v a="$v" -v b="$r" 'BEGIN {printf "%.2f\n", a / b}' >>"$work/paired"
    done
    v=$(median <"$work/v"); r=$(median <"$work/r")
    printf '%-22s %12s %12s %6s %6s\n' "C=$c W=$w" "$v" "$r" \
        "$(awk -v a="$v" -v b="$r" 'BEGIN {printf "%.2f", a / b}')" "$(median <"$work/paired")"
done; done
