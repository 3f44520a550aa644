"""Many Python `websockets` clients against one echo server, for
scripts/bench-load-memory.sh: CLIENTS connections, each sending MESSAGES
text messages of mixed sizes (16 B to 8 KiB of compressible letters) all at
once, then reading every echo and comparing it, ROUNDS times. Greedy on
purpose: a server that reads a whole pipeline before the client reads
holds all of it.

  load.py URL [--clients 1000] [--messages 100] [--rounds 6] [--no-compression]

Prints `ok N echoes` when every echo came back as sent, else what differed,
and exits 1.
"""

import argparse
import asyncio
import sys

from websockets.asyncio.client import connect

SIZES = [16, 256, 1024, 8192]


def message(client, round_, n):
    size = SIZES[n % len(SIZES)]
    head = f"{client}:{round_}:{n}:"
    letters = "abcdefghijklmnopqrstuvwxyz" * (size // 26 + 1)
    return (head + letters)[:max(size, len(head))]


async def client(url, number, args, start):
    await start.wait()
    compression = None if args.no_compression else "deflate"
    async with connect(url, compression=compression, max_size=None,
                       open_timeout=120, ping_interval=None) as ws:
        echoes = 0
        for round_ in range(args.rounds):
            sent = [message(number, round_, n) for n in range(args.messages)]
            for text in sent:
                await ws.send(text)
            for text in sent:
                echo = await ws.recv()
                if echo != text:
                    raise SystemExit(f"client {number}: echo differs in round {round_}")
                echoes += 1
        return echoes


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--no-compression", action="store_true")
    args = parser.parse_args()
    start = asyncio.Event()
    tasks = [asyncio.create_task(client(args.url, n, args, start)) for n in range(args.clients)]
    start.set()
    counts = await asyncio.gather(*tasks)
    total = sum(counts)
    expected = args.clients * args.messages * args.rounds
    if total != expected:
        print(f"lost {expected - total} of {expected} echoes")
        sys.exit(1)
    print(f"ok {total} echoes")


asyncio.run(main())
