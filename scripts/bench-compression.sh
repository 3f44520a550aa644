#!/usr/bin/env bash
# What permessage-deflate costs and saves, on 127.0.0.1 (one run; the
# figures go in notes, not in tests):
#
#   1. the bulk exchange (`ws run` sending JSON text and taking the echoes
#      through `ws echo-server`), with compression and without, for 64 B
#      and 16 KiB messages;
#   2. the bytes on the wire for a 1 MiB JSON message both ways (through a
#      counting relay), with and without compression, against ws
#      echo-server and against the Python `websockets` server;
#   3. the memory of ws echo-server per connection, compressed and plain
#      (200 connections that each exchanged one 4 KiB message).
#
#   scripts/bench-compression.sh            # builds ws --release first
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv/interop
source scripts/venv.sh
python_venv "$venv" websockets
cargo build --release --quiet --bin ws
WS=target/release/ws
py=$venv/bin/python
out=target/bench-compression
mkdir -p "$out"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Starts a command that prints `port N` or `Running server on H:N`; sets $port and $pid.
start() {
    local log=$out/$1.log
    shift
    # Emptied here: a log left by an earlier run must not be read for the port.
    : >"$log"
    "$@" >>"$log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do
        port=$(sed -n -e 's/^port //p' -e 's/^Running server on .*://p' "$log" | head -1)
        [[ -n $port ]] && return 0
        sleep 0.1
    done
    echo "bench: $1 did not start; see $log" >&2
    exit 1
}

start echo-server "$WS" echo-server -p 0
echo_port=$port echo_pid=$pid

echo "== bulk exchange through ws echo-server (messages/s)"
# Runs of about a second each, after a short exchange each way that warms
# the server up (a tenth of a second is all noise on a busy machine).
for flag in "" --no-compression; do
    "$WS" run -q scripts/interop/bulk.rhai "ws://127.0.0.1:$echo_port/" $flag -- 16384 2000 >/dev/null
done
for run in "64 200000" "16384 20000"; do
    for flag in "" --no-compression; do
        printf '%-18s %-16s ' "${run%% *} B" "${flag:-compressed}"
        "$WS" run -q scripts/interop/bulk.rhai "ws://127.0.0.1:$echo_port/" $flag -- $run
    done
done

echo "== bytes on the wire for a 1 MiB JSON message and its echo (handshake included)"
start python-server "$py" scripts/interop/peer.py
python_port=$port
for target in "ws-echo-server $echo_port" "python-websockets $python_port"; do
    for flag in "" --no-compression; do
        start "relay-${target%% *}$flag" "$py" scripts/interop/relay.py "${target##* }"
        "$WS" run -q scripts/interop/json.rhai "ws://127.0.0.1:$port/" $flag
        kill "$pid"
        for _ in $(seq 50); do grep -q '^up' "$out/relay-${target%% *}$flag.log" && break; sleep 0.1; done
        printf '%-18s %-16s %s\n' "${target%% *}" "${flag:-compressed}" \
            "$(grep '^up' "$out/relay-${target%% *}$flag.log")"
    done
done

echo "== ws echo-server memory, 200 connections after a 4 KiB message each"
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
for mode in compressed plain; do
    start "memory-$mode" "$WS" echo-server -p 0
    server=$pid
    before=$(rss "$server")
    flag=$([[ $mode == plain ]] && echo --no-compression || true)
    : >"$out/hold-$mode.log"
    "$WS" run scripts/interop/connections.rhai "ws://127.0.0.1:$port/" $flag -- 200 3 $mode \
        >>"$out/hold-$mode.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 300); do grep -q ready "$out/hold-$mode.log" && break; sleep 0.1; done
    after=$(rss "$server")
    printf '%-18s %6d KiB for 201 connections, %5d KiB each\n' "$mode" \
        $((after - before)) $(((after - before) / 201))
    kill "$server"
done
