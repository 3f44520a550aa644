#!/usr/bin/env bash
# Benchmark of `ws test`: 200 tests of one request/reply each against
# `ws echo-server`, run with -j 1 and -j 8, and the same 200 exchanges
# (connect, one request, its reply, close) done by one `ws run` script, so
# that the runner's overhead per test is (time with -j 1 - that time) / 200.
# Each figure is the best of RUNS runs (default 3). Everything on 127.0.0.1.
#
#   scripts/bench-test.sh            # prints the figures
#   RUNS=5 TESTS=500 scripts/bench-test.sh
#   NO_BUILD=1 scripts/bench-test.sh   # the release binary as it is
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
tests=${TESTS:-200}
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin ws
ws=$PWD/target/release/ws
work=$(mktemp -d)
"$ws" echo-server -p 0 > "$work/server.out" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  grep -q '^Running server on' "$work/server.out" && break
  sleep 0.1
done
port=$(sed -n 's/^Running server on .*:\([0-9]*\)$/\1/p' "$work/server.out")
url="ws://127.0.0.1:$port/"

for i in $(seq "$tests"); do
  printf 'fn test_%d() { text("request %d"); assert_eq(recv(), "request %d"); }\n' "$i" "$i" "$i"
done > "$work/suite.rhai"
cat > "$work/baseline.rhai" <<RHAI
for i in 1..=$tests {
    let c = connect(ARGS[0]);
    c.text(\`request \${i}\`);
    assert_eq(c.recv(), \`request \${i}\`);
    c.close();
}
RHAI

# Seconds taken by the best of $runs runs of a command.
best() {
  local best=""
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" > "$work/last.out"
    end=$(date +%s.%N)
    best=$(awk -v s="$start" -v e="$end" -v b="$best" \
      'BEGIN { t = e - s; if (b == "" || t < b) print t; else print b }')
  done
  echo "$best"
}

j1=$(best "$ws" test "$work/suite.rhai" --url "$url" -j 1)
tail -1 "$work/last.out" | grep -q "^$tests passed, 0 failed$" || { cat "$work/last.out"; exit 1; }
j8=$(best "$ws" test "$work/suite.rhai" --url "$url" -j 8)
tail -1 "$work/last.out" | grep -q "^$tests passed, 0 failed$" || { cat "$work/last.out"; exit 1; }
base=$(best "$ws" run "$work/baseline.rhai" -q -- "$url")

awk -v n="$tests" -v j1="$j1" -v j8="$j8" -v base="$base" 'BEGIN {
  printf "%d tests of one request/reply against ws echo-server (best of runs)\n", n
  printf "  ws test -j 1: %7.3f s  (%.2f ms a test)\n", j1, j1 * 1000 / n
  printf "  ws test -j 8: %7.3f s  (%.2f ms a test)\n", j8, j8 * 1000 / n
  printf "  the exchanges alone (one ws run script): %7.3f s  (%.2f ms each)\n", base, base * 1000 / n
  printf "  runner overhead per test (-j 1 minus the exchanges): %.2f ms (target <= 5 ms)\n", (j1 - base) * 1000 / n
}'
