#!/usr/bin/env python3
"""Start-up time of socketio-server: from exec to the first acknowledged Socket.IO CONNECT.

For each run: pick a free loopback port, start `BINARY e2e --port P`, connect a raw WebSocket
as soon as the port accepts, send the Socket.IO CONNECT (`40`) and stop the clock when the
CONNECT reply (`40{"sid":...}`) arrives. Everything the client needs is prepared before the
clock starts. Bounded: RUNS runs, each given at most 5 s; loopback only.

usage: startup.py BINARY [RUNS]      prints each run, then min / median / p90 / max in ms
"""
import base64
import os
import socket
import statistics
import subprocess
import sys
import time

UPGRADE = (
    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
    f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n\r\n"
).encode()
CONNECT = bytes([0x81, 0x82, 1, 2, 3, 4]) + bytes(b ^ m for b, m in zip(b"40", [1, 2, 3, 4]))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_until(sock, marker, buffer=b""):
    while marker not in buffer:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk
    return buffer


def one_run(binary):
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([binary, "e2e", "--port", str(port), "--log-level", "error"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 5
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except ConnectionRefusedError:
                if time.perf_counter() > deadline:
                    raise
                time.sleep(0.0002)
        sock.sendall(UPGRADE)
        buffer = read_until(sock, b'0{"sid"')          # 101 and the Engine.IO open packet
        sock.sendall(CONNECT)
        read_until(sock, b'40{"sid"', buffer.split(b'0{"sid"', 1)[1])
        elapsed = (time.perf_counter() - started) * 1000
        sock.close()
        return elapsed
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    one_run(binary)  # warm the page cache; not counted
    times = []
    for index in range(runs):
        times.append(one_run(binary))
        print(f"run {index + 1}: {times[-1]:.1f} ms")
    times.sort()
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    print(f"exec -> first acknowledged CONNECT over {runs} runs: "
          f"min {times[0]:.1f} ms, median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms, max {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()
