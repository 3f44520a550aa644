"""For scripts/interop.sh: a client that opens a TCP connection to a
websocket server and never sends the upgrade, while a `websockets` client
is served beside it. Prints `served` once the second client's message came
back, then `dropped after N s` when the server closes the silent
connection (or `kept` if it is still open after LIMIT seconds).

  stalled.py PORT LIMIT
"""

import socket
import sys
import time

from websockets.sync.client import connect

port, limit = int(sys.argv[1]), float(sys.argv[2])
silent = socket.create_connection(("127.0.0.1", port))
start = time.monotonic()
with connect(f"ws://127.0.0.1:{port}/", compression=None) as ws:
    ws.send("beside the silent one")
    if ws.recv(timeout=5) == "beside the silent one":
        print("served", flush=True)
silent.settimeout(limit)
try:
    gone = silent.recv(1) == b""
except socket.timeout:
    gone = False
except ConnectionResetError:
    gone = True
print(f"dropped after {time.monotonic() - start:.1f} s" if gone else "kept", flush=True)
