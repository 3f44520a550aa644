#!/usr/bin/env bash
# A private RabbitMQ node with its Web-STOMP plugin (STOMP over websocket
# at ws://127.0.0.1:PORT/ws, as Spring and browsers use it), for the STOMP
# checks against a real broker. Installs Debian's rabbitmq-server when it
# is missing (and apt-get can), starts a node of its own in a temporary
# folder on free ports, prints `PORT n` once the websocket port accepts,
# and stops the node when its standard input closes.
#
#   scripts/protocols/rabbitmq.sh        # prints PORT n; guest/guest, host /
set -euo pipefail

server=/usr/lib/rabbitmq/bin/rabbitmq-server
if [ ! -x "$server" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "rabbitmq.sh: rabbitmq-server is not installed and there is no apt-get to install it" >&2
    exit 1
  fi
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "rabbitmq.sh: installing rabbitmq-server with apt-get" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    rabbitmq-server >&2
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
home=$(mktemp -d)
amqp=$(free_port)
stomp=$(free_port)
cat >"$home/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$amqp
web_stomp.tcp.port = $stomp
web_stomp.tcp.ip = 127.0.0.1
EOF
echo '[rabbitmq_web_stomp].' >"$home/enabled_plugins"

export HOME=$home
export RABBITMQ_NODENAME="ws-check-$$@localhost"
export RABBITMQ_DIST_PORT=$(free_port)
export RABBITMQ_CONFIG_FILE=$home/rabbitmq
export RABBITMQ_ENABLED_PLUGINS_FILE=$home/enabled_plugins
export RABBITMQ_MNESIA_BASE=$home/mnesia
export RABBITMQ_LOG_BASE=$home/log
export RABBITMQ_PID_FILE=$home/pid

"$server" >"$home/server.out" 2>&1 &
node=$!
stop() {
  kill "$node" 2>/dev/null || true
  wait "$node" 2>/dev/null || true
  rm -rf "$home"
}
trap stop EXIT

for _ in $(seq 600); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$stomp") 2>/dev/null; then
    echo "PORT $stomp"
    # Until whoever started us closes our standard input.
    cat >/dev/null || true
    exit 0
  fi
  if ! kill -0 "$node" 2>/dev/null; then
    echo "rabbitmq.sh: the RabbitMQ node did not start:" >&2
    tail -20 "$home/server.out" >&2
    exit 1
  fi
  sleep 0.1
done
echo "rabbitmq.sh: the Web-STOMP port did not open within 60 s" >&2
exit 1
