#!/usr/bin/env bash
# The peak memory of `ws echo-server` under many greedy clients: 1,000
# Python `websockets` clients (scripts/interop/load.py), each sending 100
# text messages of 16 B to 8 KiB at once and then reading the echoes, six
# rounds, every echo compared; once with permessage-deflate (the Python
# client's default) and once without. Prints the server's peak RSS (VmHWM)
# and the time, next to websocat 1.14 (no compression) when it is there.
#
#   scripts/bench-load-memory.sh                       # builds ws --release first
#   CLIENTS=200 scripts/bench-load-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-1000}
WEBSOCAT=${WEBSOCAT:-/tmp/peers/websocat/bin/websocat}
venv=.venv/interop
source scripts/venv.sh
python_venv "$venv" websockets
cargo build --release --quiet --bin ws
py=$venv/bin/python
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
ulimit -n 65536 2>/dev/null || true

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# run NAME FLAGS COMMAND...: starts the server, loads it, prints its peak.
run() {
    local name=$1 flags=$2
    shift 2
    local port
    port=$(free_port)
    "${@//PORT/$port}" </dev/null >"$work/$name.out" 2>&1 &
    local pid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
    done
    local start end result
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    result=$("$py" scripts/interop/load.py "ws://127.0.0.1:$port/" --clients "$CLIENTS" $flags 2>&1 | tail -1)
    end=$(date +%s.%N)
    local peak
    peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    printf '%-28s peak %8.1f MiB  %6.1f s  %s\n' "$name" "$(awk -v k="$peak" 'BEGIN {print k / 1024}')" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "$result"
}

run "ws, compressed" "" target/release/ws echo-server --host 127.0.0.1 -p PORT
run "ws, plain" "--no-compression" target/release/ws echo-server --host 127.0.0.1 -p PORT
if [ -x "$WEBSOCAT" ]; then
    run "websocat 1.14, plain" "--no-compression" "$WEBSOCAT" -E -t ws-l:127.0.0.1:PORT mirror:
fi
