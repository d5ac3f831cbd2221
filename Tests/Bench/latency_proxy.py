#!/usr/bin/env python3
"""TCP proxy on loopback that delays everything a client sends by a fixed time (default 40 ms).

Usage: latency_proxy.py --listen-port P --target-port T [--delay-ms 40]
Prints "READY" on stdout once it listens. Each connection is a delay line: a chunk the client
sends is forwarded to the target 40 ms after it arrived, in order; responses come back at once.
An HTTP request (headers and body arrive together) therefore costs one extra 40 ms round trip,
like an object store seen from a server elsewhere; keep-alive connections keep their benefit
(no extra handshake is simulated). Standard library only (asyncio).
"""
from __future__ import annotations

import argparse
import asyncio
import sys


async def pump_delayed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(1 << 16)
            if not data:
                break
            queue.put_nowait((loop.time() + delay, data))
    finally:
        queue.put_nowait((0.0, None))
        await asyncio.gather(sender, return_exceptions=True)


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(1 << 16)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen-port", type=int, required=True)
    p.add_argument("--target-port", type=int, required=True)
    p.add_argument("--delay-ms", type=float, default=40.0)
    a = p.parse_args()
    delay = a.delay_ms / 1000.0

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", a.target_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(pump_delayed(client_r, server_w, delay), pump(server_r, client_w),
                             return_exceptions=True)

    server = await asyncio.start_server(handle, "127.0.0.1", a.listen_port, backlog=512)
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
