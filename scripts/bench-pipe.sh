#!/usr/bin/env bash
# `ws pipe` next to websocat on the same work: N lines of 63 characters from
# a file, each sent as a text message to one echo server on 127.0.0.1, every
# echo written to standard output. Prints, per tool, the median wall time,
# the send rate (lines per second), the peak RSS and the lines that came
# back; then the two comparisons the pipe is held to: rate at least 1.25x
# websocat's, peak RSS at most websocat's. `ws pipe --linger 0` closes at
# the end of input as websocat does and is the one compared; the default
# (`--linger 1`, which waits for the server to be quiet for a second before
# closing) is shown beside it, with what the wait adds.
#
# usage: scripts/bench-pipe.sh
# environment: N=200000 RUNS=3 WS=target/release/ws
#              WEBSOCAT=/tmp/peers/websocat/bin/websocat OUT=/tmp/ws-bench-pipe.$$
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-200000}
RUNS=${RUNS:-3}
WS=${WS:-$here/target/release/ws}
WEBSOCAT=${WEBSOCAT:-/tmp/peers/websocat/bin/websocat}
OUT=${OUT:-/tmp/ws-bench-pipe.$$}

die() { echo "bench-pipe.sh: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time"
[ -x "$WEBSOCAT" ] || die "no websocat at $WEBSOCAT (set WEBSOCAT)"
if [ ! -x "$WS" ]; then
    (cd "$here" && cargo build --release --quiet --bin ws) || die "cannot build ws"
fi
mkdir -p "$OUT"

LINES=$OUT/lines.txt
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "%08d-abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz01234\n", i }' >"$LINES"

# One echo server for both tools: the project's own, on a port it picks.
"$WS" echo-server --host 127.0.0.1 -p 0 >"$OUT/server.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 100); do
    grep -q 'Running server on' "$OUT/server.out" 2>/dev/null && break
    sleep 0.1
done
port=$(sed -n 's/.*Running server on .*:\([0-9]*\).*/\1/p' "$OUT/server.out" | head -1)
[ -n "$port" ] || die "the echo server did not start; see $OUT/server.out"
url=ws://127.0.0.1:$port/

# run NAME COMMAND: RUNS timed runs; prints "median_wall rss_max lines_min".
run() {
    local walls=() rss=0 lines=$N t0 t1 r l
    for i in $(seq "$RUNS"); do
        t0=$EPOCHREALTIME
        /usr/bin/time -f %M -o "$OUT/rss" timeout 300 bash -c "exec $2" <"$LINES" >"$OUT/$1.out" 2>>"$OUT/$1.err" || true
        t1=$EPOCHREALTIME
        walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
        r=$(tail -1 "$OUT/rss")
        [ "$r" -gt "$rss" ] && rss=$r
        l=$(wc -l <"$OUT/$1.out")
        [ "$l" -lt "$lines" ] && lines=$l
    done
    local median
    median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "$median $rss $lines"
}

read -r ws_wall ws_rss ws_lines <<<"$(run ws "$WS pipe $url --linger 0")"
read -r wl_wall wl_rss wl_lines <<<"$(run ws-linger "$WS pipe $url")"
read -r wc_wall wc_rss wc_lines <<<"$(run websocat "$WEBSOCAT $url")"

printf '%-22s %10s %14s %12s %14s\n' tool "wall (s)" "lines/s" "peak RSS" "lines back"
for t in ws wl wc; do
    case $t in
        ws) name="ws pipe --linger 0" ;;
        wl) name="ws pipe (linger 1 s)" ;;
        *) name=websocat ;;
    esac
    wall=${t}_wall rss=${t}_rss lines=${t}_lines
    awk -v n="$N" -v w="${!wall}" -v r="${!rss}" -v l="${!lines}" -v name="$name" \
        'BEGIN { printf "%-22s %10.3f %14.0f %9.1f MiB %8d/%d\n", name, w, n / w, r / 1024, l, n }'
done
awk -v a="$ws_wall" -v b="$wl_wall" 'BEGIN { printf "the default linger adds %.2f s (the wait for a quiet second)\n", b - a }' 
awk -v a="$ws_wall" -v b="$wc_wall" -v ra="$ws_rss" -v rb="$wc_rss" 'BEGIN {
    ratio = b / a
    printf "rate: ws pipe / websocat = %.2fx (goal >= 1.25x): %s\n", ratio, (ratio >= 1.25 ? "met" : "NOT met")
    printf "peak RSS: %.1f MiB vs %.1f MiB (goal <= websocat): %s\n", ra / 1024, rb / 1024, (ra <= rb ? "met" : "NOT met")
}'
echo "(runs: $RUNS, median wall; output and errors under $OUT)"
