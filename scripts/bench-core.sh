#!/usr/bin/env bash
# What the client core promises, measured on `ws run`, one table at the end
# with each figure beside its target:
#
#   threads      a script connected to `ws echo-server` opens 200 more
#                connections with connect(url()), says so, then sleeps;
#                `Threads:` of /proc/PID/status then (at most 16).
#   wake-ups     a script connected to the same server, which sends it
#                nothing, keepalive off (the default), waits in recv(4);
#                voluntary + nonvoluntary context switches summed over
#                /proc/PID/task/*/status just before the wait and just after
#                it, the difference (at most 40). A thread that ended in
#                between would take its switches with it; ws's threads
#                live as long as the process.
#   flow control every message echoed and compared in order, nothing
#                dropped, against `ws echo-server` and against a Python
#                `websockets` echo server (asyncio, max_size=None, default
#                compression; in a venv of its own under .venv/bench-core):
#                COUNT_SMALL x 1 KiB sent while nothing is taken, then
#                sleep(2) (the echoes arrive meanwhile), then all received;
#                COUNT_LARGE x 64 KiB sent then received; COUNT_SMALL x 1 KiB
#                sent then received without the sleep. Each message differs
#                (`${i}|` padded with x). A run is ok when it ends with status
#                0 after printing `N echoes match`; its seconds are the
#                script's own, from the first send to the last echo compared
#                (the sleep included), its peak memory is VmHWM read while
#                the script sleeps a second after that line.
#
#   scripts/bench-core.sh                             # builds ws (release) first
#   COUNT_SMALL=20000 COUNT_LARGE=200 scripts/bench-core.sh
#   WS=target/release/ws scripts/bench-core.sh        # the binary as it is
#
# ws runs in a directory of its own with XDG_CONFIG_HOME pointing there and
# no WS_* variables, so neither ./ws.toml, the user's config file nor the
# environment changes the defaults measured. Exits 1, after the table, when
# a target is missed or a run fails.
#
# Settings: COUNT_SMALL (100000), COUNT_LARGE (1000), WS (path of the ws
# binary; default: build target/release/ws), LIMIT (seconds a flow-control
# run may take before it counts as a hang and is killed, 120).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT_SMALL=${COUNT_SMALL:-100000}
COUNT_LARGE=${COUNT_LARGE:-1000}
LIMIT=${LIMIT:-120}
if [[ -z ${WS:-} ]]; then
    cargo build --release --quiet --bin ws
    WS=target/release/ws
fi
WS=$(realpath "$WS")

venv=$PWD/.venv/bench-core
source scripts/venv.sh
python_venv "$venv" "websockets>=13"

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
mkdir config
export XDG_CONFIG_HOME=$work/config
while read -r name; do unset "$name"; done < <(compgen -e | grep '^WS_' || true)

cat >echo.py <<'EOF'
# An echo server from the Python `websockets` package: port 0, the port
# printed on the first line, no message size limit, default compression.
import asyncio
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", 0, max_size=None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

asyncio.run(main())
EOF

cat >threads.rhai <<'EOF'
let cs = [];
for i in 0..200 { cs.push(connect(url())); }
print("all open");
sleep(30);
EOF

cat >wakeups.rhai <<'EOF'
print("waiting");
try { recv(4) } catch {}
print("waited");
sleep(30);
EOF

# ARGS: count, size, seconds to sleep between the sends and the receives.
cat >flow.rhai <<'EOF'
let n = parse_int(ARGS[0]);
let size = parse_int(ARGS[1]);
let pause = parse_float(ARGS[2]);
fn message(i, size) { let m = `${i}|`; m.pad(size, 'x'); m }
let start = timestamp();
for i in 0..n { text(message(i, size)); }
if pause > 0.0 { sleep(pause); }
for i in 0..n {
    if recv(30) != message(i, size) { throw `echo ${i} differs`; }
}
print(`${n} echoes match in ${start.elapsed} s`);
sleep(1);
EOF

# Made here, not by the background redirections, which may come later
# than the first look for the ports.
: >ws-server.out
: >py-server.out
"$WS" echo-server -p 0 >ws-server.out 2>&1 &
"$venv/bin/python" echo.py >py-server.out 2>&1 &
ws_url= py_url=
for _ in $(seq 100); do
    [[ -z $ws_url ]] && ws_url=$(sed -n 's|^Running server on \([0-9.:]*\).*|ws://\1/|p' ws-server.out)
    [[ -z $py_url ]] && py_url=$(sed -n '1s|^\([0-9][0-9]*\)$|ws://127.0.0.1:\1/|p' py-server.out)
    [[ -n $ws_url && -n $py_url ]] && break
    sleep 0.1
done
if [[ -z $ws_url || -z $py_url ]]; then
    echo "bench-core.sh: a server did not start:" >&2
    cat ws-server.out py-server.out >&2
    exit 1
fi

# Waits (at most SECONDS) until FILE has a line PATTERN while PID runs.
await_line() { # pid file pattern seconds
    local _
    for _ in $(seq $(($4 * 100))); do
        grep -q "$3" "$2" 2>/dev/null && return 0
        kill -0 "$1" 2>/dev/null || break
        sleep 0.01
    done
    grep -q "$3" "$2" 2>/dev/null
}
field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true; }
switches() {
    { cat "/proc/$1"/task/*/status 2>/dev/null || true; } |
        awk '$1 == "voluntary_ctxt_switches:" || $1 == "nonvoluntary_ctxt_switches:" { s += $2 } END { print s + 0 }'
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

status=0
rows=()
row() { # measure figure target result
    rows+=("$(printf '%-44s %-22s %-30s %s' "$1" "$2" "$3" "$4")")
    [[ $4 == ok ]] || status=1
}

# 1. Threads with 201 connections open.
"$WS" run -q threads.rhai "$ws_url" >threads.out 2>&1 &
pid=$!
threads=
await_line "$pid" threads.out "^all open" 30 && threads=$(field "$pid" Threads)
stop "$pid"
if [[ -n $threads ]]; then
    row "threads, 201 connections open" "$threads" "at most 16" "$( ((threads <= 16)) && echo ok || echo FAILED)"
else
    row "threads, 201 connections open" "-" "at most 16" "FAILED (see below)"
    { echo "threads.rhai:"; cat threads.out; } >>failures
fi

# 2. Wake-ups during recv(4) on a connection that receives nothing.
"$WS" run -q wakeups.rhai "$ws_url" >wakeups.out 2>&1 &
pid=$!
before= after=
if await_line "$pid" wakeups.out "^waiting" 30; then
    before=$(switches "$pid")
    await_line "$pid" wakeups.out "^waited" 30 && after=$(switches "$pid")
fi
stop "$pid"
if [[ -n $after ]]; then
    wakeups=$((after - before))
    row "context switches, 4 s in recv(4), idle" "$wakeups" "at most 40" "$( ((wakeups <= 40)) && echo ok || echo FAILED)"
else
    row "context switches, 4 s in recv(4), idle" "-" "at most 40" "FAILED (see below)"
    { echo "wakeups.rhai:"; cat wakeups.out; } >>failures
fi

# 3. Flow control: every echo compared, timed, peak memory.
flows=0
flow() { # label url count size pause
    local out=flow-$((++flows)).out pid hwm= now rc=0 waited=0 seconds result
    "$WS" run -q flow.rhai "$2" -- "$3" "$4" "$5" >"$out" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        # VmHWM only grows: the last value read before the exit is the peak.
        now=$(field "$pid" VmHWM)
        [[ -n $now ]] && hwm=$now
        if ((waited >= LIMIT * 10)); then
            echo "killed after $LIMIT s" >>"$out"
            kill "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    wait "$pid" || rc=$?
    seconds=$(sed -n "s/^$3 echoes match in \([0-9.]*\) s$/\1/p" "$out")
    if [[ $rc == 0 && -n $seconds ]]; then
        result=ok
    else
        result="FAILED (status $rc)"
        { echo "$1:"; cat "$out"; } >>failures
    fi
    row "$1" "$(awk -v s="${seconds:--}" -v k="${hwm:--}" 'BEGIN {
        printf (s == "-" ? "- s" : "%.2f s"), s; printf (k == "-" ? ", - MiB" : ", %.1f MiB"), k / 1024 }')" \
        "status 0, $3 echoes match" "$result"
}
for server in ws py; do
    if [[ $server == ws ]]; then url=$ws_url name="ws echo-server"; else url=$py_url name=websockets; fi
    flow "$COUNT_SMALL x 1 KiB, sleep 2, $name" "$url" "$COUNT_SMALL" 1024 2
    flow "$COUNT_LARGE x 64 KiB, $name" "$url" "$COUNT_LARGE" 65536 0
    flow "$COUNT_SMALL x 1 KiB, $name" "$url" "$COUNT_SMALL" 1024 0
done

printf '%-44s %-22s %-30s %s\n' measure figure target result
printf '%s\n' "${rows[@]}"
if [[ -s failures ]]; then
    echo
    cat failures
fi
exit "$status"
