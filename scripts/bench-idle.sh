#!/usr/bin/env bash
# Memory of an echo server holding many idle connections: `ws echo-server`
# (and websocat 1.14 / websocat 4 when installed, as in ../shared/bench) gets
# N connections that each do the websocket handshake and, unless ECHO=0,
# one 16-byte text message and its echo, then stay idle. Printed per server:
# resident memory before, with the N open (and the peak), per connection
# ((open - before) / N), and some seconds after every client has closed
# (what was given back to the system).
#
#   scripts/bench-idle.sh                     # N=10000, every server found
#   N=2000 ECHO=0 scripts/bench-idle.sh       # handshake only
#   SERVERS="ws" scripts/bench-idle.sh        # only ws echo-server
#   COMPRESSED=1 scripts/bench-idle.sh        # permessage-deflate offered, the
#                                             # message compressed where agreed
#
# Limits: each connection takes a file descriptor in the server and one in
# the client, so the script raises the soft limit (ulimit -n) to N + 256 and
# stops with a message when the hard limit is lower (raise it as root, or
# in /etc/security/limits.conf). Connections come from 127.0.0.1 to one
# port, so N is also bounded by the ephemeral port range (about 28,000 by
# default, see /proc/sys/net/ipv4/ip_local_port_range). The clients are one
# Python 3 process (standard library only) that opens them one after the
# other.
#
# Settings: N (10000), ECHO (1), SERVERS ("ws websocat websocat4"), SETTLE
# (seconds to wait after the clients leave, 3), WEBSOCAT and WEBSOCAT4
# (paths; defaults /tmp/peers/websocat/bin/websocat and
# /tmp/peers/websocat4/bin/websocat), NO_BUILD=1 to measure
# target/release/ws as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
ECHO=${ECHO:-1}
SERVERS=${SERVERS:-"ws websocat websocat4"}
SETTLE=${SETTLE:-3}
WEBSOCAT=${WEBSOCAT:-/tmp/peers/websocat/bin/websocat}
WEBSOCAT4=${WEBSOCAT4:-/tmp/peers/websocat4/bin/websocat}

need=$((N + 256))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
    echo "bench-idle.sh: $N connections need $need file descriptors, the hard limit is $hard; lower N or raise the limit" >&2
    exit 1
fi
ulimit -n "$need"

[ "${NO_BUILD:-0}" = 1 ] || cargo build --release --quiet --bin ws
WS=${WS:-$PWD/target/release/ws}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/clients.py" <<'EOF'
# Opens N idle websocket connections to 127.0.0.1:PORT, says "open" on
# standard output, waits for a line on standard input, then closes them.
# With COMPRESSED=1 each offers permessage-deflate as a Python websockets
# client does and, where the server agrees, sends its message compressed.
import os, socket, sys, zlib

port, n, echo = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
compressed = os.environ.get("COMPRESSED") == "1"
offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if compressed else ""
request = (
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "%sSec-WebSocket-Version: 13\r\n\r\n" % (port, offer)
).encode()

def read_until(sock, end):
    data = b""
    while end not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise SystemExit("the server closed a connection during its handshake")
        data += chunk
    return data

def frame(opcode, payload, rsv1=False):
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | (0x40 if rsv1 else 0) | opcode, 0x80 | len(payload)]) + mask + masked

text = b"idle connection!"
socks = []
agreed_count = 0
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    head = read_until(s, b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise SystemExit("connection %d was refused: %r" % (i, head[:60]))
    headers, got = head.split(b"\r\n\r\n", 1)
    agreed = b"permessage-deflate" in headers.lower()
    agreed_count += agreed
    if echo:
        if agreed:
            deflate = zlib.compressobj(wbits=-15)
            payload = (deflate.compress(text) + deflate.flush(zlib.Z_SYNC_FLUSH))[:-4]
            s.sendall(frame(1, payload, rsv1=True))
        else:
            s.sendall(frame(1, text))
        while len(got) < 2 or len(got) < 2 + (got[1] & 0x7F):
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit("connection %d: no echo" % i)
            got += chunk
    socks.append(s)
if compressed:
    print("compressed connections: %d of %d" % (agreed_count, n), file=sys.stderr)
print("open", flush=True)
sys.stdin.readline()
for s in socks:
    try:
        s.sendall(frame(8, b"\x03\xe8"))
    except OSError:
        pass
    s.close()
print("closed", flush=True)
EOF

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
kib() { awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status"; }

printf '%-10s %7s %11s %11s %11s %11s %13s\n' server N "before MiB" "open MiB" "peak MiB" "KiB/conn" "after MiB"
for name in $SERVERS; do
    port=$(free_port)
    case $name in
    ws) cmd=("$WS" echo-server --host 127.0.0.1 -p "$port") ;;
    websocat) cmd=("$WEBSOCAT" -E -t "ws-l:127.0.0.1:$port" mirror:) ;;
    websocat4) cmd=("$WEBSOCAT4" -E -t "ws-l:127.0.0.1:$port" mirror:) ;;
    *) echo "bench-idle.sh: unknown server $name" >&2; continue ;;
    esac
    [ -x "${cmd[0]}" ] || { printf '%-10s not installed (%s)\n' "$name" "${cmd[0]}"; continue; }
    "${cmd[@]}" </dev/null >"$work/$name.out" 2>&1 &
    server=$!
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" 2>/dev/null && break
        sleep 0.05
    done
    before=$(kib "$server" VmRSS)
    coproc CLIENTS { python3 "$work/clients.py" "$port" "$N" "$ECHO"; }
    read -r line <&"${CLIENTS[0]}" || line=
    if [ "$line" != open ]; then
        printf '%-10s the clients could not connect (see above)\n' "$name"
        kill "$server"; wait "$server" 2>/dev/null || true; server=
        continue
    fi
    open=$(kib "$server" VmRSS)
    peak=$(kib "$server" VmHWM)
    echo >&"${CLIENTS[1]}"
    read -r line <&"${CLIENTS[0]}" || true
    wait "$CLIENTS_PID" 2>/dev/null || true
    sleep "$SETTLE"
    after=$(kib "$server" VmRSS)
    kill "$server"; wait "$server" 2>/dev/null || true; server=
    awk -v name="$name" -v n="$N" -v b="$before" -v o="$open" -v p="$peak" -v a="$after" 'BEGIN {
        printf "%-10s %7d %11.1f %11.1f %11.1f %11.1f %13.1f\n", name, n, b / 1024, o / 1024, p / 1024, (o - b) / n, a / 1024 }'
done
