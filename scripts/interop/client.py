"""For scripts/interop.sh: a `websockets` client of `ws echo-server`. Sends
text (two-byte characters) and binary messages from 5 bytes to 1 MiB, with
permessage-deflate and without, and checks that each comes back as sent.
Prints `echoed N with COMPRESSION` for each connection, or the first
difference.

  client.py PORT
"""

import os
import sys

from websockets.sync.client import connect

port = int(sys.argv[1])
for compression in ("deflate", None):
    with connect(f"ws://127.0.0.1:{port}/", compression=compression, max_size=1 << 21) as ws:
        echoed = 0
        for size in (5, 4096, 16384 + 3, 65536, 1 << 20):
            for message in ("é" * (size // 2), os.urandom(size)):
                ws.send(message)
                back = ws.recv(timeout=10)
                if back != message:
                    sys.exit(f"{type(message).__name__} of {size} bytes came back different")
                echoed += 1
        agreed = ws.response.headers.get("Sec-WebSocket-Extensions") or "none"
        print(f"echoed {echoed} with {agreed}", flush=True)
