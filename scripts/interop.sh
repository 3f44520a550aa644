#!/usr/bin/env bash
# permessage-deflate against an independent implementation: the Python
# `websockets` package (in a venv of its own under .venv/interop) as the
# server, ws as the client. Checks the negotiation with each parameter
# (scripts/interop/peer.py answers with it; scripts/interop/echo.rhai
# exchanges a large compressible JSON message each way), --no-compression,
# that a 1 KiB message inflating past --max-message-size is refused, and
# that `ws listen --reconnect --preamble` comes back after two 1011 closes.
# Then the connection engine against it: a bulk exchange (every echo
# compared), a server that reads nothing (a large `ws text`, a close that
# is never answered, a ping flood at `ws listen`), and `ws echo-server`
# with a client that never sends the upgrade beside a `websockets` client,
# and a `websockets` client's messages from 5 B to 1 MiB, text and binary,
# compressed and not, echoed as sent (scripts/interop/client.py).
# Then what a user can lose to it: Ctrl+C while it never answers the
# handshake, its Set-Cookie on a refusal, a piped line over the limit.
# Last what real servers taught: `seq 5 | ws pipe` gets its five replies,
# `--reconnect 1` gives up on a server that drops every connection after
# two, the negotiated line and User-Agent, `ws text --replies`, and a close
# that is never answered.
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
    # Emptied here, not by the background redirection: a log left by an
    # earlier run must not be read for this peer's port.
    : >"$log"
    "$venv/bin/python" scripts/interop/peer.py "$@" >>"$log" 2>&1 &
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
# Connections that last under reconnect_stable are not successes: the
# attempts count on (1, then 2) rather than starting again.
[[ $(grep -c "^reconnected (attempt [12])$" "$out/run-$runs.err") == 2 ]] || ok=1
check "listen --reconnect --preamble: three connections, the preamble on each" $ok

# The connection engine against the Python peer.
start_peer
ok=0
WS_MESSAGE_QUEUE_SIZE=1001 "$WS" run -q scripts/interop/exchange.rhai "ws://127.0.0.1:$port/" \
    -- 65536 1000 >"$out/run-$runs.log" 2>&1 || ok=1
grep -q "^1000 echoes of 65536 bytes, all as sent$" "$out/run-$runs.log" || ok=1
check "1,000 x 64 KiB sent before one is read: every echo back, in order" $ok

start_peer --deaf
# Uncompressed: 8 MB of one letter would deflate into the socket buffers.
head -c 8000000 /dev/zero | tr '\0' x >"$out/large.txt"
ok=0
start=$SECONDS
if WS_SEND_TIMEOUT=2 WS_COMPRESSION=false "$WS" text "ws://127.0.0.1:$port/" "file@$out/large.txt" \
    >"$out/run-$runs.log" 2>&1; then ok=1; fi
grep -q "the server stopped reading: nothing could be sent for 2 s (send_timeout)" \
    "$out/run-$runs.log" || ok=1
((SECONDS - start <= 10)) || ok=1
check "8 MB uncompressed to a server that reads nothing: ends after send_timeout, says so" $ok

start_peer --deaf
ok=0
start=$SECONDS
WS_DISCONNECT_TIMEOUT=1 "$WS" run - "ws://127.0.0.1:$port/" <<<'close(); print("closed");' \
    >"$out/run-$runs.log" 2>&1 || ok=1
grep -q "^closed$" "$out/run-$runs.log" || ok=1
((SECONDS - start <= 6)) || ok=1
check "a close the server never answers: close() returns after disconnect_timeout" $ok

start_peer --deaf --ping-flood
ok=0
if WS_SEND_TIMEOUT=2 /usr/bin/time -f "peak %M KiB" -o "$out/peak-$runs.txt" \
    "$WS" listen "ws://127.0.0.1:$port/" >/dev/null 2>"$out/run-$runs.log"; then ok=1; fi
grep -q "the server stopped reading" "$out/run-$runs.log" || ok=1
peak=$(sed -n 's/^peak \([0-9]*\) KiB$/\1/p' "$out/peak-$runs.txt")
((${peak:-999999} < 64 * 1024)) || ok=1
check "a ping flood from a server that reads nothing: listen ends, peak ${peak:-?} KiB" $ok

: >"$out/echo-server.log"
WS_CONNECT_TIMEOUT=1 "$WS" echo-server -p 0 >>"$out/echo-server.log" 2>&1 &
pids+=("$!")
for _ in $(seq 100); do
    grep -q '^Running server on' "$out/echo-server.log" && break
    sleep 0.1
done
echo_port=$(sed -n 's/^Running server on .*:\([0-9]*\)$/\1/p' "$out/echo-server.log")
ok=0
"$venv/bin/python" scripts/interop/stalled.py "$echo_port" 5 >"$out/stalled.log" 2>&1 || ok=1
grep -q "^served$" "$out/stalled.log" || ok=1
grep -q "^dropped after" "$out/stalled.log" || ok=1
check "echo-server: a client that never upgrades is dropped, another served meanwhile" $ok

ok=0
"$venv/bin/python" scripts/interop/client.py "$echo_port" >"$out/client.log" 2>&1 || ok=1
grep -q "^echoed 10 with permessage-deflate" "$out/client.log" || ok=1
grep -q "^echoed 10 with none" "$out/client.log" || ok=1
check "echo-server: a websockets client's text and binary, 5 B to 1 MiB, compressed and not, echoed as sent" $ok

mkdir -p "$out/suite"
echo 'fn test_connects() { text("hi"); }' >"$out/suite/stalled.rhai"
for command in listen pipe session "run -" test; do
    start_peer --stall-handshake
    ok=0
    # `run -` runs a script (standard input) that connects; `test` a suite
    # whose test connects to --url; the others dial.
    args=($command ws://127.0.0.1:$port/)
    [[ $command == "run -" ]] && args=(run -)
    [[ $command == test ]] && args=(test "$out/suite" --url ws://127.0.0.1:$port/)
    WS_CONNECT_TIMEOUT=600 "$WS" "${args[@]}" \
        <<<"connect(\"ws://127.0.0.1:$port/\");" >"$out/run-$runs.log" 2>&1 &
    client=$!
    for _ in $(seq 100); do
        grep -q '^request$' "$log" && break
        sleep 0.1
    done
    kill -INT "$client"
    code=0
    for _ in $(seq 50); do
        kill -0 "$client" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$client" 2>/dev/null; then
        kill "$client"
        ok=1
    fi
    wait "$client" || code=$?
    ((code == 130)) || ok=1
    check "Ctrl+C while the handshake is never answered: $command ends at once with 130" $ok
done

start_peer --refuse-with-cookie "session=s3cret; HttpOnly"
ok=0
if "$WS" text "ws://127.0.0.1:$port/" hi >"$out/run-$runs.log" 2>&1; then ok=1; fi
grep -q "HTTP 403 Forbidden" "$out/run-$runs.log" || ok=1
grep -qi "set-cookie: \*\*\*" "$out/run-$runs.log" || ok=1
grep -q "s3cret" "$out/run-$runs.log" && ok=1
check "a refused handshake: status and body shown, its Set-Cookie masked" $ok

start_peer --no-compression
ok=0
{ echo first; head -c 2000 /dev/zero | tr '\0' y; echo; echo never; } >"$out/long.txt"
code=0
"$WS" pipe "ws://127.0.0.1:$port/" --max-message-size 1000 <"$out/long.txt" \
    >"$out/pipe-out-$runs.log" 2>"$out/run-$runs.log" || code=$?
((code == 2)) || ok=1
grep -q "line 2 of standard input is longer than max_message_size (1000 bytes)" \
    "$out/run-$runs.log" || ok=1
# What came before went, then the close (1000); never the line after.
grep -q "^closed 1000$" "$log" || ok=1
check "ws pipe: a line over max_message_size is named, the close goes after the line before" $ok

# What real servers taught: replies at the end of a pipe, a flapping
# server, the negotiated line and the User-Agent, one-shot replies, a
# close that is never answered.
start_peer
ok=0
for try in 1 2 3; do
    seq 5 | "$WS" pipe "ws://127.0.0.1:$port/" -q >"$out/pipe-seq-$try.log" 2>&1 || ok=1
    [[ $(cat "$out/pipe-seq-$try.log") == "$(seq 5)" ]] || ok=1
done
check "seq 5 | ws pipe: the five replies, three times out of three" $ok

ok=0
"$WS" text "ws://127.0.0.1:$port/" '{"op":"hi"}' --replies 1 -q >"$out/replies.log" 2>&1 || ok=1
[[ $(cat "$out/replies.log") == '{"op":"hi"}' ]] || ok=1
"$WS" text "ws://127.0.0.1:$port/" hi 2>"$out/negotiated.log" >/dev/null || ok=1
grep -q "^Connected to ws://127.0.0.1:$port/, compressed with permessage-deflate" \
    "$out/negotiated.log" || ok=1
grep -q "^user-agent ws/" "$log" || ok=1
check "ws text --replies 1; the negotiated line; User-Agent: ws/VERSION" $ok

start_peer --drop
ok=0
code=0
WS_RECONNECT_STABLE=5 "$WS" listen "ws://127.0.0.1:$port/" --reconnect 1 \
    >"$out/run-$runs.log" 2>&1 || code=$?
((code == 1)) || ok=1
[[ $(grep -c "^agreed" "$log") == 2 ]] || ok=1
grep -q "2 connections made, none stayed up 5 s (reconnect_stable)" "$out/run-$runs.log" || ok=1
check "--reconnect 1 against a server that drops every connection: exit 1 after two" $ok

start_peer --deaf
ok=0
start=$SECONDS
WS_DISCONNECT_TIMEOUT=1 "$WS" text "ws://127.0.0.1:$port/" hi >"$out/run-$runs.log" 2>&1 || ok=1
grep -q "Closed: the server did not answer the close within 1 s." "$out/run-$runs.log" || ok=1
((SECONDS - start <= 4)) || ok=1
check "ws text, a close the server never answers: ends after disconnect_timeout, says so, exit 0" $ok

exit $status
