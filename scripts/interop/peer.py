"""An echo server on the Python `websockets` package, for scripts/interop.sh
and scripts/bench-compression.sh: an independent permessage-deflate peer.

  peer.py [--params "server_no_context_takeover; server_max_window_bits=10"]
          [--no-compression] [--first TEXT | --bomb BYTES] [--max-size BYTES]
          [--end-first K --code CODE] [--deaf [--ping-flood]]
          [--stall-handshake | --refuse-with-cookie COOKIE] [--drop]

Prints `port N` once listening on 127.0.0.1, then, for each connection, the
extension agreed (`agreed permessage-deflate; ...` or `agreed none`). With
--first it sends TEXT before echoing; with --bomb a message of BYTES letters
(which compresses about a hundredfold) and then waits for the close.
With --end-first K, connection n prints `got TEXT` for its first message,
sends `hello n` and closes: with CODE for the first K connections, with
1000 after them (for `--reconnect` with a preamble). With --deaf it reads
nothing after the handshake (no data, no pongs, no close) and prints
`deaf`; with --ping-flood as well it sends pings without end meanwhile.
With --stall-handshake it prints `request` for each upgrade request and
never answers it; with --refuse-with-cookie it answers 403 with a
Set-Cookie header of COOKIE. With --drop it aborts every connection
right after the handshake (no close frame). Each upgrade request's
User-Agent is printed as `user-agent …`.
"""

import argparse
import asyncio

from http import HTTPStatus

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
    parser.add_argument("--end-first", type=int)
    parser.add_argument("--code", type=int, default=1011)
    parser.add_argument("--deaf", action="store_true")
    parser.add_argument("--ping-flood", action="store_true")
    parser.add_argument("--stall-handshake", action="store_true")
    parser.add_argument("--refuse-with-cookie")
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    connections = 0
    extensions = [] if args.no_compression else [factory(args.params)]

    async def end(ws, n):
        print(f"got {await ws.recv()}", flush=True)
        await ws.send(f"hello {n}")
        await ws.close(args.code if n <= args.end_first else 1000)

    async def deaf(ws):
        ws.transport.pause_reading()
        print("deaf", flush=True)
        sent = 0
        while args.ping_flood:
            sent += 1
            # Each ping waits for room in the send buffer, never for its pong.
            await ws.ping(f"{sent:0120d}")
        await asyncio.Future()

    async def request(connection, request):
        print(f"user-agent {request.headers.get('User-Agent', '')}", flush=True)
        if args.stall_handshake:
            print("request", flush=True)
            await asyncio.Future()
        if args.refuse_with_cookie is not None:
            response = connection.respond(HTTPStatus.FORBIDDEN, "log in first\n")
            response.headers["Set-Cookie"] = args.refuse_with_cookie
            return response
        return None

    async def echo(ws):
        nonlocal connections
        connections += 1
        agreed = ws.response.headers.get("Sec-WebSocket-Extensions")
        print(f"agreed {agreed or 'none'}", flush=True)
        if args.drop:
            return ws.transport.abort()
        if args.end_first is not None:
            return await end(ws, connections)
        if args.deaf:
            return await deaf(ws)
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
                     max_size=args.max_size, process_request=request,
                     open_timeout=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"port {port}", flush=True)
        await asyncio.Future()


asyncio.run(main())
