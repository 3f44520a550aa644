#!/usr/bin/env bash
# The project's own benchmark (benches/load): one-shot `ws text`, `ws listen`
# draining 1,000,000 messages to a file, a Rhai send loop under `ws run`, the
# session's time to its first prompt, and `ws echo-server` next to a plain
# tokio-tungstenite echo server. Everything on 127.0.0.1, ports chosen by the
# system. Arguments go to the suite, for example:
#
#   scripts/bench.sh                         # every section
#   scripts/bench.sh --sections echo --echo-seconds 2
#   scripts/bench.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin ws
exec cargo bench --quiet --bench load -- suite "$@"
