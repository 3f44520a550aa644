#!/usr/bin/env bash
# The application protocols against real servers: socket.io 4, graphql-ws,
# subscriptions-transport-ws, json-rpc-2.0 and a STOMP 1.2 broker, installed
# with npm under scripts/protocols/ (scripts/protocols/setup.sh), with `ws`
# driven as a user drives it (scripts/protocols-check.py says what is
# checked).
#
#   scripts/protocols.sh              # builds ws (debug) first
#   WS=target/release/ws scripts/protocols.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${WS:-}" ]; then
  cargo build --quiet
  WS=target/debug/ws
fi
python3 scripts/protocols-check.py "$WS"
