"""A TCP relay that counts bytes, for scripts/bench-compression.sh:

  relay.py TARGET_PORT

Listens on 127.0.0.1 (prints `port N`), forwards each connection to
127.0.0.1:TARGET_PORT and, when it ends, prints `up U down D`: the bytes
the client sent and received, handshake included.
"""

import asyncio
import sys


async def pipe(reader, writer, count):
    while data := await reader.read(65536):
        count[0] += len(data)
        writer.write(data)
        await writer.drain()
    writer.close()


async def main():
    target = int(sys.argv[1])

    async def relay(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        up, down = [0], [0]
        await asyncio.gather(pipe(client_reader, server_writer, up),
                             pipe(server_reader, client_writer, down),
                             return_exceptions=True)
        print(f"up {up[0]} down {down[0]}", flush=True)

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


asyncio.run(main())
