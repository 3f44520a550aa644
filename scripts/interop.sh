#!/usr/bin/env bash
# permessage-deflate against an independent implementation: the Python
# `websockets` package (in a venv of its own under .venv/interop) as the
# server, ws as the client. Checks the negotiation with each parameter
# (scripts/interop/peer.py answers with it; scripts/interop/echo.rhai
# exchanges a large compressible JSON message each way), --no-compression,
# that a 1 KiB message inflating past --max-message-size is refused, and
# that `ws listen --reconnect --preamble` comes back after two 1011 closes.
#
#   scripts/interop.sh              # builds ws (debug) first
#   WS=target/release/ws scripts/interop.sh
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv/interop
out=target/interop
mkdir -p "$out"
source scripts/venv.sh
python_venv "$venv" websockets
if [[ -z ${WS:-} ]]; then
    cargo build --quiet --bin ws
    WS=target/debug/ws
fi

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Starts peer.py with the arguments given; sets $port and $log.
runs=0
start_peer() {
    runs=$((runs + 1))
    log=$out/peer-$runs.log
    "$venv/bin/python" scripts/interop/peer.py "$@" >"$log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 100); do
        port=$(sed -n 's/^port //p' "$log")
        [[ -n $port ]] && return 0
        sleep 0.1
    done
    echo "interop: the Python peer did not start; see $log" >&2
    exit 1
}

status=0
check() { # NAME CONDITION-STATUS
    if [[ $2 == 0 ]]; then echo "ok      $1"; else echo "FAILED  $1 (see $out)"; status=1; fi
}

for params in "" server_no_context_takeover client_no_context_takeover \
    server_max_window_bits=10 client_max_window_bits=9 \
    "server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=12"; do
    start_peer --params "$params" --first hello
    ok=0
    "$WS" run -q scripts/interop/echo.rhai "ws://127.0.0.1:$port/" -- 2000 >"$out/run-$runs.log" 2>&1 || ok=1
    for param in ${params//;/ }; do
        grep -q "^agreed permessage-deflate.*$param" "$log" || ok=1
    done
    grep -q "^agreed permessage-deflate" "$log" || ok=1
    check "negotiated: permessage-deflate${params:+; $params}" $ok
done

start_peer --first hello
ok=0
"$WS" run -q scripts/interop/echo.rhai "ws://127.0.0.1:$port/" --no-compression -- 2000 \
    >"$out/run-$runs.log" 2>&1 || ok=1
grep -q "^agreed none" "$log" || ok=1
check "--no-compression: nothing offered, messages echoed" $ok

start_peer --bomb 131072
ok=0
if "$WS" listen "ws://127.0.0.1:$port/" --max-message-size 64K >"$out/run-$runs.log" 2>&1; then ok=1; fi
grep -q "inflates past max_message_size" "$out/run-$runs.log" || ok=1
for _ in $(seq 50); do grep -q "^closed" "$log" && break; sleep 0.1; done
grep -q "^closed 1009" "$log" || ok=1
check "a 1 KiB message inflating past --max-message-size 64K: refused with 1009" $ok

start_peer --end-first 2 --code 1011
ok=0
printf 'auth secret\n' >"$out/auth.txt"
"$WS" listen "ws://127.0.0.1:$port/" --reconnect 3 --preamble "$out/auth.txt" \
    >"$out/run-$runs.log" 2>"$out/run-$runs.err" || ok=1
[[ $(grep -c "hello" "$out/run-$runs.log") == 3 ]] || ok=1
[[ $(grep -c "^got auth secret$" "$log") == 3 ]] || ok=1
[[ $(grep -c "^reconnected (attempt 1)$" "$out/run-$runs.err") == 2 ]] || ok=1
check "listen --reconnect --preamble: three connections, the preamble on each" $ok

exit $status
