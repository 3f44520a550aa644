#!/usr/bin/env bash
# Transcript benchmark: records `ws listen URL -f FILE` of N text messages of
# 64 bytes into .svg, .html, .cast and .txt, for a small and a large N, and
# reports the peak RSS (/usr/bin/time %M) and wall time of each run. A
# transcript is streamed to disk, so the large run must stay within 1.5x the
# small one's peak RSS; a .cast recording must keep at least 0.8x the
# throughput of .txt on the large run (MIN_CAST_SPEED). The script exits 1
# when either fails, or when a file lacks messages.
#
#   cargo build --release && scripts/bench-transcript.sh
#   SMALL=20000 LARGE=1000000 FORMATS="cast txt" scripts/bench-transcript.sh
#
# The messages come from the project's own load server (`cargo bench --bench
# load -- blast`, benches/load), so nothing outside the repository is needed.
set -euo pipefail

cd "$(dirname "$0")/.."
WS=${WS:-target/release/ws}
SMALL=${SMALL:-20000}
LARGE=${LARGE:-1000000}
FORMATS=${FORMATS:-svg html cast txt}
MIN_CAST_SPEED=${MIN_CAST_SPEED:-0.8}
LIMIT=${LIMIT:-1.5}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/ws-bench-transcript.XXXXXX")}
PAYLOAD=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl
SERVER_PID=

die() { echo "bench-transcript: $*" >&2; exit 2; }
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT

# Starts the load server sending $1 messages per connection; sets URL.
start_blast() {
    local log="$OUT/blast.log"
    "$LOAD" blast --port 0 --count "$1" --size 64 >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        URL=$(grep -o 'ws://[0-9.:]*/' "$log" || true)
        [ -n "$URL" ] && return
        sleep 0.1
    done
    die "the load server did not start: $(cat "$log")"
}

# Records $2 messages into a .$1 file; prints "RSS_KIB SECONDS BYTES".
measure() {
    local format=$1 count=$2 file="$OUT/listen-$2.$1"
    start_blast "$count"
    /usr/bin/time -f '%M %e' -o "$OUT/time" "$WS" listen "$URL" -f "$file" \
        >/dev/null 2>"$OUT/ws.err" || true
    stop_server
    local recorded
    recorded=$(grep -c "$PAYLOAD" "$file" || true)
    [ "$recorded" = "$count" ] || die "$file holds $recorded of $count messages: $(tail -3 "$OUT/ws.err")"
    [ ! -e "$OUT/.listen-$count.$format.spool" ] || die "the spool of $file was left behind"
    echo "$(tail -1 "$OUT/time") $(stat -c %s "$file")"
    rm -f "$file"
}

[ -x "$WS" ] || die "$WS not found: run cargo build --release (or set WS)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian: apt-get install time)"
LOAD=$(cargo bench --quiet --bench load --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "load" and m.get("executable"):
        print(m["executable"])')
[ -x "$LOAD" ] || die "cannot build the load server (cargo bench --bench load --no-run)"
printf '%-6s %10s %14s %10s %12s\n' format messages "peak RSS KiB" "time s" "file MiB"
status=0
for format in $FORMATS; do
    read -r small_rss small_s small_bytes <<<"$(measure "$format" "$SMALL")"
    read -r large_rss large_s large_bytes <<<"$(measure "$format" "$LARGE")"
    for run in "$SMALL $small_rss $small_s $small_bytes" "$LARGE $large_rss $large_s $large_bytes"; do
        read -r n rss s bytes <<<"$run"
        printf '%-6s %10d %14d %10.2f %12.1f\n' "$format" "$n" "$rss" "$s" "$(awk "BEGIN { print $bytes / 1048576 }")"
    done
    ratio=$(awk "BEGIN { print $large_rss / $small_rss }")
    verdict=ok
    if awk "BEGIN { exit !($ratio > $LIMIT) }"; then verdict=FAIL; status=1; fi
    printf '%-6s peak RSS %d / %d messages: %.2fx (limit %sx) %s\n' \
        "$format" "$LARGE" "$SMALL" "$ratio" "$LIMIT" "$verdict"
    declare "large_seconds_$format=$large_s"
done
# Throughput of .cast against .txt on the large run (time of txt / time of cast).
if [ -n "${large_seconds_cast:-}" ] && [ -n "${large_seconds_txt:-}" ]; then
    speed=$(awk "BEGIN { print $large_seconds_txt / ($large_seconds_cast > 0 ? $large_seconds_cast : 0.01) }")
    verdict=ok
    if awk "BEGIN { exit !($speed < $MIN_CAST_SPEED) }"; then verdict=FAIL; status=1; fi
    printf 'cast   throughput %.2fx of txt on %d messages (at least %sx) %s\n' \
        "$speed" "$LARGE" "$MIN_CAST_SPEED" "$verdict"
fi
echo "files and logs in $OUT"
exit "$status"
