#!/usr/bin/env bash
# Transcript benchmark: records `ws listen URL -f FILE` of N text messages of
# 64 bytes into .svg and .html, for a small and a large N, and reports the
# peak RSS (/usr/bin/time %M) and wall time of each run. A transcript is
# streamed to disk, so the large run must stay within 1.5x the small one's
# peak RSS; the script exits 1 when it does not, or when a file lacks
# messages.
#
#   cargo build --release && scripts/bench-transcript.sh
#   SMALL=20000 LARGE=1000000 FORMATS="svg html" scripts/bench-transcript.sh
#
# The messages come from `wsbench blast` of the project-neutral benchmark kit
# (shared/bench next to the repository, or BENCH_DIR), built on demand into
# WSBENCH_TARGET. Until `ws listen` records (it may still answer "being
# built"), the script falls back to `ws run` with a script that drains the
# connection: the same console and transcript path, and says so.
set -euo pipefail

cd "$(dirname "$0")/.."
WS=${WS:-target/release/ws}
SMALL=${SMALL:-20000}
LARGE=${LARGE:-1000000}
FORMATS=${FORMATS:-svg html}
LIMIT=${LIMIT:-1.5}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/ws-bench-transcript.XXXXXX")}
WSBENCH_TARGET=${WSBENCH_TARGET:-${TMPDIR:-/tmp}/wsbench-target}
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

# The wsbench binary: WSBENCH, or built from the kit.
find_wsbench() {
    if [ -n "${WSBENCH:-}" ]; then echo "$WSBENCH"; return; fi
    local dir
    for dir in "${BENCH_DIR:-}" ../shared/bench ../../shared/bench /work/shared/bench; do
        if [ -n "$dir" ] && [ -f "$dir/Cargo.toml" ]; then
            cargo build --quiet --release --manifest-path "$dir/Cargo.toml" \
                --target-dir "$WSBENCH_TARGET" >&2
            echo "$WSBENCH_TARGET/release/wsbench"
            return
        fi
    done
    die "wsbench not found: set WSBENCH or BENCH_DIR (shared/bench)"
}

# Starts `wsbench blast` sending $1 messages per connection; sets URL.
start_blast() {
    local log="$OUT/blast.log"
    "$WSBENCH" blast --port 0 --count "$1" --size 64 2>"$log" &
    SERVER_PID=$!
    for _ in $(seq 100); do
        URL=$(grep -o 'ws://[0-9.:]*/' "$log" || true)
        [ -n "$URL" ] && return
        sleep 0.1
    done
    die "wsbench blast did not start: $(cat "$log")"
}

# The recording command for URL and FILE: `ws listen`, or the fallback.
record_command() {
    if [ "$MODE" = listen ]; then
        echo "$WS" listen "$1" -f "$2"
    else
        echo "$WS" run "$OUT/drain.rhai" "$1" -q -f "$2"
    fi
}

# Whether `ws listen` records a transcript yet.
choose_mode() {
    MODE=listen
    start_blast 3
    if ! "$WS" listen "$URL" -f "$OUT/probe.txt" >/dev/null 2>"$OUT/probe.err" \
        || [ "$(grep -c "$PAYLOAD" "$OUT/probe.txt" 2>/dev/null)" != 3 ]; then
        MODE=run
        printf '%s\n' '// Drains the connection until the server closes it.' \
            'while type_of(recv()) != "()" {}' >"$OUT/drain.rhai"
        echo "note: \`ws listen -f\` does not record yet ($(head -c 200 "$OUT/probe.err"));"
        echo "      measuring \`ws run drain.rhai URL -q -f FILE\` instead (same console and transcript path)."
    fi
    stop_server
}

# Records $2 messages into a .$1 file; prints "RSS_KIB SECONDS BYTES".
measure() {
    local format=$1 count=$2 file="$OUT/listen-$2.$1"
    start_blast "$count"
    # shellcheck disable=SC2046
    /usr/bin/time -f '%M %e' -o "$OUT/time" $(record_command "$URL" "$file") \
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
WSBENCH=$(find_wsbench)
choose_mode
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
done
echo "mode: $MODE; files and logs in $OUT"
exit "$status"
