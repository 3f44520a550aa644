#!/usr/bin/env bash
# Autobahn test-suite conformance, both ways, with kosoku (the suite's cases,
# from PyPI) in a venv of its own under .venv/conformance:
#
#   client: kosoku -m fuzzingserver, driven by `ws run scripts/autobahn-client.rhai`
#   server: kosoku -m fuzzingclient, driving `ws echo-server`
#
# Both sides run at the same time.
#
# All 517 cases, the permessage-deflate ones (12.* and 13.*) included.
# Fails if any case is FAILED, UNIMPLEMENTED or ERROR; prints the counts of
# each behaviour. Reports go to target/conformance/{client,server}/index.html.
# The compression cases move hundreds of megabytes each, so ws is built
# with optimisations (a debug build takes an hour over them).
# Both sides compress every message (compression_threshold 0): the cases
# are about the compressor, and kosoku's cases 12.* and 13.* hash a
# message sent uncompressed on a compressed connection as text, which
# Python refuses ("Strings must be encoded before hashing"), so a message
# under the default threshold of 1 KiB would be an ERROR of the harness.
#
#   scripts/conformance.sh                 # builds ws (release) and runs both
#   WS=target/debug/ws scripts/conformance.sh client
set -euo pipefail
export WS_COMPRESSION_THRESHOLD=0
cd "$(dirname "$0")/.."

if (($#)); then sides=("$@"); else sides=(client server); fi
venv=.venv/conformance
out=target/conformance
mkdir -p "$out"

source scripts/venv.sh
python_venv "$venv" kosoku
if [[ -z ${WS:-} ]]; then
    cargo build --release --quiet --bin ws
    WS=target/release/ws
fi

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# A free port on 127.0.0.1, chosen by the kernel.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until something listens on the port (at most 20 s).
wait_port() {
    for _ in $(seq 200); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "conformance: nothing listens on port $1" >&2
    return 1
}

# Counts the behaviours in a kosoku index.json; fails on anything but
# OK, NON-STRICT and INFORMATIONAL.
verdict() {
    python3 - "$1" "$2" <<'EOF'
import collections, json, sys
side, path = sys.argv[1], sys.argv[2]
index = json.load(open(path))
cases = {case: result for agent in index.values() for case, result in agent.items()}
counts = collections.Counter(result["behavior"] for result in cases.values())
print(f"{side}: {len(cases)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
bad = sorted(c for c, r in cases.items() if r["behavior"] not in ("OK", "NON-STRICT", "INFORMATIONAL"))
if bad or not cases:
    print(f"{side}: not passed: {' '.join(bad) or 'no cases ran'}")
    sys.exit(1)
EOF
}

run_client() {
    local port dir=$out/client
    port=$(free_port)
    rm -rf "$dir"
    "$venv/bin/kosoku" -m fuzzingserver "127.0.0.1:$port" -o "$dir" \
        >"$out/client-server.log" 2>&1 &
    local server=$!
    pids+=("$server")
    wait_port "$port"
    if ! "$WS" run -q scripts/autobahn-client.rhai -- "ws://127.0.0.1:$port" ws \
        >"$out/client.log" 2>&1; then
        echo "client: ws run failed; see $out/client.log" >&2
    fi
    # The fuzzing server writes its reports and exits after updateReports;
    # give it 30 s, then stop it.
    for _ in $(seq 300); do
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
    done
    kill "$server" 2>/dev/null || true
    wait "$server" || true
    verdict client "$dir/index.json"
}

run_server() {
    local port dir=$out/server
    port=$(free_port)
    rm -rf "$dir"
    "$WS" echo-server --host 127.0.0.1 -p "$port" --max-message-size 64M >"$out/echo-server.log" 2>&1 &
    pids+=("$!")
    wait_port "$port"
    "$venv/bin/kosoku" -m fuzzingclient "127.0.0.1:$port" -p 2 -o "$dir" \
        >"$out/server.log" 2>&1 || true
    verdict server "$dir/index.json"
}

# The two sides run at once, each in a subshell that stops what it started.
for side in "${sides[@]}"; do
    [[ $side == client || $side == server ]] && continue
    echo "usage: scripts/conformance.sh [client] [server]" >&2
    exit 2
done
sides_pids=()
for side in "${sides[@]}"; do
    (
        pids=()
        trap cleanup EXIT
        "run_$side" >"$out/$side.verdict" 2>&1
    ) &
    sides_pids+=("$!")
done
status=0
for i in "${!sides[@]}"; do
    wait "${sides_pids[$i]}" || status=1
    cat "$out/${sides[$i]}.verdict"
done
exit $status
