"""An echo server on the Python `websockets` package, for scripts/interop.sh
and scripts/bench-compression.sh: an independent permessage-deflate peer.

  peer.py [--params "server_no_context_takeover; server_max_window_bits=10"]
          [--no-compression] [--first TEXT | --bomb BYTES] [--max-size BYTES]

Prints `port N` once listening on 127.0.0.1, then, for each connection, the
extension agreed (`agreed permessage-deflate; ...` or `agreed none`). With
--first it sends TEXT before echoing; with --bomb a message of BYTES letters
(which compresses about a hundredfold) and then waits for the close.
"""

import argparse
import asyncio

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory


def factory(params):
    options = {}
    for param in filter(None, (p.strip() for p in params.split(";"))):
        name, _, value = param.partition("=")
        options[name] = int(value) if value else True
    return ServerPerMessageDeflateFactory(**options)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--params", default="")
    parser.add_argument("--no-compression", action="store_true")
    parser.add_argument("--first")
    parser.add_argument("--bomb", type=int)
    parser.add_argument("--max-size", type=int, default=64 * 1024 * 1024)
    args = parser.parse_args()
    extensions = [] if args.no_compression else [factory(args.params)]

    async def echo(ws):
        agreed = ws.response.headers.get("Sec-WebSocket-Extensions")
        print(f"agreed {agreed or 'none'}", flush=True)
        if args.first is not None:
            await ws.send(args.first)
        if args.bomb:
            await ws.send("a" * args.bomb)
        try:
            async for message in ws:
                await ws.send(message)
        except ConnectionClosed:
            pass
        finally:
            print(f"closed {ws.close_code}", flush=True)

    async with serve(echo, "127.0.0.1", 0, compression=None, extensions=extensions,
                     max_size=args.max_size) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"port {port}", flush=True)
        await asyncio.Future()


asyncio.run(main())
