#!/usr/bin/env bash
# The bulk exchange of the connection engine, side by side with the limit of
# the stack: a `ws run` script sends N messages of S bytes to `wsbench echo`,
# then receives the N echoes and compares each; next to it `wsbench
# echo-load` with the same N and S and a window of 64. Both as MB/s of
# payload sent (echoes come back on top), timed two ways so that like is
# set against like: each whole process from start to exit (start-up,
# connect and close included), and the exchange alone, from the first send
# to the last echo compared (the script times itself with `timestamp()`;
# echo-load's own figure leaves out its connect the same way). Each case
# has a second row, the same exchange with 64 messages in flight (see
# `script` below). "ratio" is ws's median over echo-load's; "paired" is the
# median of the ratios taken round by round (each ws run against the
# echo-load run just before it), which a machine whose speed changes from
# one second to the next sways less. Then, when
# websocat is installed, the echo cells of the shared kit (peers.sh,
# section echo) for `ws echo-server`, websocat 1.14 and websocat 4.
#
#   scripts/bench-bulk.sh                 # 1,000 x 64 KiB and 100,000 x 1 KiB
#   CASES="1000x65536" RUNS=3 scripts/bench-bulk.sh
#   WSBENCH=/path/to/wsbench PEERS=/path/to/peers.sh scripts/bench-bulk.sh
#
# Settings: CASES ("NxS ..."), RUNS (3, the median is printed), LAYERS (1
# to time the 64 KiB exchange layer by layer, 0 to skip), ECHO_CELLS (1 to
# run peers.sh echo, 0 to skip), ECHO_RUNS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-"1000x65536 100000x1024"}
RUNS=${RUNS:-3}
ECHO_CELLS=${ECHO_CELLS:-1}
LAYERS=${LAYERS:-1}
ECHO_RUNS=${ECHO_RUNS:-3}
source scripts/wsbench.sh
PEERS=${PEERS:-$SHARED/peers.sh}

cargo build --release --quiet --bin ws
WS=$PWD/target/release/ws
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

"$WSBENCH" echo --port 0 2>"$work/echo.err" &
for _ in $(seq 100); do
    grep -q listening "$work/echo.err" 2>/dev/null && break
    sleep 0.05
done
url=$(grep -o 'ws://[^ ]*' "$work/echo.err" | head -1)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

rate() { awk -v mb="$1" -v t="$2" 'BEGIN {printf "%.1f\n", mb / t}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {print b - a}'; }

# Each case is timed twice for ws: as the issue's script does it (every
# message sent, then every echo received, so the script holds all N echoes
# at once) and with 64 messages in flight, as echo-load keeps them (recv
# one, send one), which sets the engine against the stack like for like.
script() { # mode n s
    local mode=$1 n=$2 s=$3 w=$(($2 < 64 ? $2 : 64))
    printf 'let pad = "";\npad.pad(%s, %s);\nlet start = timestamp();\n' "$s" "'x'"
    if [ "$mode" = all ]; then
        printf 'for i in 0..%s { text(pad); }\n' "$n"
        printf 'for i in 0..%s { if recv() != pad { throw `echo ${i} differs`; } }\n' "$n"
    else
        printf 'for i in 0..%s { text(pad); }\n' "$w"
        printf 'for i in %s..%s { if recv() != pad { throw `echo ${i} differs`; } text(pad); }\n' "$w" "$n"
        printf 'for i in 0..%s { if recv() != pad { throw `echo ${i} differs`; } }\n' "$w"
    fi
    printf 'print(`exchange ${start.elapsed}`);\n'
}

printf '%-24s | %-35s | %-35s\n' "" "whole process, MB/s" "the exchange alone, MB/s"
printf '%-24s | %10s %10s %6s %6s | %10s %10s %6s %6s\n' "N x S" "ws run" "echo-load" "ratio" "paired" \
    "ws run" "echo-load" "ratio" "paired"
for case in $CASES; do
    n=${case%x*}
    s=${case#*x}
    script all "$n" "$s" >"$work/all.rhai"
    script window "$n" "$s" >"$work/window.rhai"
    mb=$(awk -v n="$n" -v s="$s" 'BEGIN {print n * s / 1e6}')
    # One file of figures per series: all, window and load, whole and alone.
    rm -f "$work"/*.whole "$work"/*.alone
    rm -f "$work"/*.pwhole "$work"/*.palone
    for _ in $(seq "$RUNS"); do
        start=$(date +%s.%N)
        line=$("$WSBENCH" echo-load --url "$url" --messages "$n" --size "$s" --window 64 2>&1 | tail -1)
        end=$(date +%s.%N)
        lw=$(rate "$mb" "$(elapsed "$start" "$end")")
        la=$(rate "$mb" "$(echo "$line" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p')")
        echo "$lw" >>"$work/load.whole"
        echo "$la" >>"$work/load.alone"
        for mode in all window; do
            start=$(date +%s.%N)
            out=$(WS_MESSAGE_QUEUE_SIZE=$((n + 1)) "$WS" run "$work/$mode.rhai" "$url" -q)
            end=$(date +%s.%N)
            ww=$(rate "$mb" "$(elapsed "$start" "$end")")
            wa=$(rate "$mb" "$(echo "$out" | sed -n 's/^exchange //p')")
            echo "$ww" >>"$work/$mode.whole"
            echo "$wa" >>"$work/$mode.alone"
            # The ratio within the round, next to the echo-load run just before.
            echo "$(ratio "$ww" "$lw")" >>"$work/$mode.pwhole"
            echo "$(ratio "$wa" "$la")" >>"$work/$mode.palone"
        done
    done
    lw=$(median <"$work/load.whole")
    la=$(median <"$work/load.alone")
    for mode in all window; do
        ww=$(median <"$work/$mode.whole")
        wa=$(median <"$work/$mode.alone")
        label="$n x $s"
        [ "$mode" = window ] && label="  64 in flight"
        printf '%-24s | %10s %10s %6s %6s | %10s %10s %6s %6s\n' "$label" \
            "$ww" "$lw" "$(ratio "$ww" "$lw")" "$(median <"$work/$mode.pwhole")" \
            "$wa" "$la" "$(ratio "$wa" "$la")" "$(median <"$work/$mode.palone")"
    done
done

# Where the 64 KiB exchange's time goes: the library's Connection (two
# threads, as a script), ws's stack in one task, tokio-tungstenite in one
# task, against the same echo server (benches/load/layers.rs).
if [ "$LAYERS" = 1 ]; then
    cargo bench --quiet --bench load --no-run 2>/dev/null
    load=$(ls -t target/release/deps/load-* | grep -v '\.d$' | head -1)
    echo
    echo "1,000 x 64 KiB, 64 in flight, medians of $((RUNS * 4 + 1)) rounds:"
    "$load" layers --url "$url" --rounds $((RUNS * 4 + 1))
fi

if [ "$ECHO_CELLS" = 1 ] && [ -x "$PEERS" ]; then
    tools=("ws:$WS")
    [ -x /tmp/peers/websocat/bin/websocat ] && tools+=(websocat)
    [ -x /tmp/peers/websocat4/bin/websocat ] && tools+=(websocat:/tmp/peers/websocat4/bin/websocat)
    SECTIONS=echo ECHO_RUNS=$ECHO_RUNS WSBENCH=$WSBENCH "$PEERS" "${tools[@]}"
fi
