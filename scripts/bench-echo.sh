#!/usr/bin/env bash
# The eight echo cells of the shared kit (peers.sh, section echo), with the
# servers interleaved run by run instead of one after another: each round
# runs `wsbench echo-load` against `ws echo-server`, websocat 1.14,
# websocat 4 and `wsbench echo` in turn, so a machine whose speed drifts
# over minutes (a shared one) weighs on all of them alike. Prints each
# server's median msg/s per cell, the bar of issue 11 (the best of the two
# websocats and 0.9 x wsbench echo) and ws's ratio to it; "paired" is the
# median of that ratio taken round by round, which the swings of a shared
# machine (one echo at a time runs at 16 us or at 120 us a round trip on
# the same machine minutes apart) sway less than the medians do.
#
#   scripts/bench-echo.sh                  # 3 rounds of 3 s per cell
#   ROUNDS=5 SECS=5 scripts/bench-echo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-3}
source scripts/wsbench.sh
WEBSOCAT=${WEBSOCAT:-/tmp/peers/websocat/bin/websocat}
WEBSOCAT4=${WEBSOCAT4:-/tmp/peers/websocat4/bin/websocat}
for bin in "$WEBSOCAT" "$WEBSOCAT4"; do
    [ -x "$bin" ] || { echo "bench-echo.sh: $bin is missing (see $SHARED/README.md)" >&2; exit 1; }
done
cargo build --release --quiet --bin ws
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
names=(ws websocat websocat4 wsbench)
declare -A port
port[ws]=$(free_port); target/release/ws echo-server --host 127.0.0.1 -p "${port[ws]}" >/dev/null 2>&1 </dev/null &
port[websocat]=$(free_port); "$WEBSOCAT" -E -t "ws-l:127.0.0.1:${port[websocat]}" mirror: </dev/null >/dev/null 2>&1 &
port[websocat4]=$(free_port); "$WEBSOCAT4" -E -t "ws-l:127.0.0.1:${port[websocat4]}" mirror: </dev/null >/dev/null 2>&1 &
port[wsbench]=$(free_port); "$WSBENCH" echo --port "${port[wsbench]}" </dev/null >/dev/null 2>&1 &
for name in "${names[@]}"; do
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/${port[$name]}") 2>/dev/null && break
        sleep 0.05
    done
done

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The bar of issue 11 from websocat, websocat 4 and wsbench echo msg/s.
bar() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN {m = a; if (b > m) m = b; if (0.9 * c > m) m = 0.9 * c; printf "%.0f", m}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f\n", a / b}'; }
last() { tail -n1 "$work/$1"; } # a server's figure in this round
printf '%-16s %9s %9s %9s %9s %9s %6s %6s\n' cell ws websocat websocat4 wsbench bar ws/bar paired
for c in 1 8; do for s in 64 16384; do for w in 1 64; do
    for name in "${names[@]}"; do : >"$work/$name"; done
    : >"$work/paired"
    for round in $(seq "$ROUNDS"); do
        # A different server first each round.
        for i in 0 1 2 3; do
            name=${names[$(((i + round) % 4))]}
            "$WSBENCH" echo-load --url "ws://127.0.0.1:${port[$name]}/" --connections "$c" \
                --messages 100000000 --duration "$SECS" --size "$s" --window "$w" 2>&1 |
                sed -n -E 's/.*: ([0-9]+) msg\/s.*/\1/p' >>"$work/$name"
        done
        # ws against the bar of this round alone.
        ratio "$(last ws)" "$(bar "$(last websocat)" "$(last websocat4)" "$(last wsbench)")" >>"$work/paired"
    done
    declare -A rate
    for name in "${names[@]}"; do rate[$name]=$(median <"$work/$name"); done
    bar=$(bar "${rate[websocat]}" "${rate[websocat4]}" "${rate[wsbench]}")
    printf '%-16s %9s %9s %9s %9s %9s %6s %6s\n' "C=$c S=$s W=$w" "${rate[ws]}" "${rate[websocat]}" \
        "${rate[websocat4]}" "${rate[wsbench]}" "$bar" \
        "$(ratio "${rate[ws]}" "$bar")" "$(median <"$work/paired")"
done; done; done
