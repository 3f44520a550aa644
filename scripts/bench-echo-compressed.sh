#!/usr/bin/env bash
# The eight echo cells with permessage-deflate negotiated: the load client
# (`cargo bench --bench load -- echo-load --compressed`, which offers
# permessage-deflate through ws's own layer, as browsers, Node `ws` and
# Python `websockets` clients do) against three servers with compression
# on: `ws echo-server`, an echo server on Node's `ws` package
# (scripts/protocols/echo-server.js, perMessageDeflate on, its threshold
# 1 KiB) and one on Python `websockets` (scripts/interop/peer.py, its
# default deflate settings). The servers are interleaved round by round;
# prints each server's median msg/s per cell and ws's ratio to the better
# of the other two.
#
#   scripts/bench-echo-compressed.sh           # 3 rounds of 3 s per cell
#   ROUNDS=5 SECS=5 scripts/bench-echo-compressed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-3}
venv=.venv/interop
source scripts/venv.sh
python_venv "$venv" websockets
bash scripts/protocols/setup.sh >/dev/null
cargo build --release --quiet --bin ws
cargo bench --quiet --bench load --no-run 2>/dev/null
load=$(ls -t target/release/deps/load-* | grep -v '\.d$' | head -1)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

names=(ws node python)
declare -A port
target/release/ws echo-server --host 127.0.0.1 -p 0 </dev/null >"$work/ws.out" 2>&1 &
# The Node server ends when its standard input does: a pipe this script
# holds open until it exits.
mkfifo "$work/hold"
exec 9<>"$work/hold"
node scripts/protocols/echo-server.js <"$work/hold" >"$work/node.out" 2>/dev/null &
"$venv/bin/python" scripts/interop/peer.py </dev/null >"$work/python.out" 2>&1 &
for _ in $(seq 100); do
    port[ws]=$(sed -n 's/^Running server on .*:\([0-9]*\)$/\1/p' "$work/ws.out")
    port[node]=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$work/node.out")
    port[python]=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$work/python.out" | head -1)
    [ -n "${port[ws]}" ] && [ -n "${port[node]}" ] && [ -n "${port[python]}" ] && break
    sleep 0.1
done

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN {m = b; if (c > m) m = c; printf "%.2f\n", a / m}'; }
printf '%-16s %9s %9s %9s %12s\n' cell ws node python ws/best
for c in 1 8; do for s in 64 16384; do for w in 1 64; do
    for name in "${names[@]}"; do : >"$work/$name.rates"; done
    for round in $(seq "$ROUNDS"); do
        for i in 0 1 2; do
            name=${names[$(((i + round) % 3))]}
            "$load" echo-load --url "ws://127.0.0.1:${port[$name]}/" --compressed \
                --connections "$c" --size "$s" --window "$w" --duration "$SECS" 2>&1 |
                sed -n -E 's/.*: ([0-9]+) msg\/s.*/\1/p' >>"$work/$name.rates"
        done
    done
    ws=$(median <"$work/ws.rates"); node=$(median <"$work/node.rates"); python=$(median <"$work/python.rates")
    printf '%-16s %9.0f %9.0f %9.0f %12s\n' "C=$c S=$s W=$w" "$ws" "$node" "$python" "$(ratio "$ws" "$node" "$python")"
done; done; done
