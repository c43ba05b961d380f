#!/usr/bin/env python3
"""Measures server RSS per idle Socket.IO WebSocket connection (a stop-gap until the
socketio-bench tool of the benchmarks issue).

Opens N raw WebSocket connections to a server on loopback, joins namespace "/" on each, keeps
them idle (answering pings), and reads the server's RSS from /proc/PID/status before and
after. Bounded: N connections, one attempt each, a fixed settle time; loopback only.

usage: idle-memory.py PID PORT N
"""
import asyncio
import base64
import os
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def frame(text):
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81, 0x80 | len(payload)]) + mask
    return header + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def read_frame(reader):
    head = await reader.readexactly(2)
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    return head[0] & 0x0F, await reader.readexactly(length)


async def client(port, index, ready, stop):
    # Spread source addresses over 127.0.0.x so no single address runs out of ports.
    source = f"127.0.0.{2 + index % 200}"
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {key}\r\n\r\n"
        ).encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    await read_frame(reader)  # open packet
    writer.write(frame("40"))
    await read_frame(reader)  # CONNECT reply
    ready.append(index)
    while not stop.is_set():
        try:
            opcode, data = await asyncio.wait_for(read_frame(reader), 1.0)
        except asyncio.TimeoutError:
            continue
        if data == b"2":
            writer.write(frame("3"))
    writer.close()


async def main(pid, port, n):
    stop = asyncio.Event()
    warm = []
    warm_tasks = [asyncio.create_task(client(port, i, warm, stop)) for i in range(100)]
    while len(warm) < 100:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1)
    before = rss_kib(pid)
    ready = []
    tasks = []
    started = time.time()
    for i in range(n):
        tasks.append(asyncio.create_task(client(port, 100 + i, ready, stop)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)
    while len(ready) < n and time.time() - started < 120:
        await asyncio.sleep(0.1)
    await asyncio.sleep(3)
    after = rss_kib(pid)
    print(f"connections: {len(ready)} of {n} in {time.time() - started:.1f}s")
    print(f"server RSS: {before} KiB with 100 warm-up connections, {after} KiB with {len(ready) + 100}")
    print(f"per idle connection: {(after - before) / max(1, len(ready)):.2f} KiB")
    stop.set()
    await asyncio.gather(*tasks, *warm_tasks, return_exceptions=True)
    await asyncio.sleep(2)
    print(f"server RSS after all disconnected: {rss_kib(pid)} KiB")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
