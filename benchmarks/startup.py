#!/usr/bin/env python3
"""Start-up time of socketio-server: from exec to the first acknowledged Socket.IO CONNECT.

For each run: pick a free loopback port, start `BINARY e2e --port P`, connect a raw WebSocket
as soon as the port accepts, send the Socket.IO CONNECT (`40`) and stop the clock when the
CONNECT reply (`40{"sid":...}`) arrives. Everything the client needs is prepared before the
clock starts. Bounded: RUNS runs, each given at most 5 s; loopback only.

usage: startup.py BINARY [RUNS] [--tls CA_DIR]
  prints each run, then min / median / p90 / max in ms. With --tls, the server runs with
  CA_DIR/fullchain.pem and CA_DIR/server.key (scripts/make-test-ca.sh CA_DIR) and the client
  speaks TLS, trusting CA_DIR/ca.pem: the clock then includes the TLS handshake.
"""
import base64
import os
import socket
import ssl
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


def one_run(binary, tls_dir=None):
    port = free_port()
    extra, context = [], None
    if tls_dir:
        extra = ["--tls-cert", os.path.join(tls_dir, "fullchain.pem"), "--tls-key", os.path.join(tls_dir, "server.key")]
        context = ssl.create_default_context(cafile=os.path.join(tls_dir, "ca.pem"))
    started = time.perf_counter()
    proc = subprocess.Popen([binary, "e2e", "--port", str(port), "--log-level", "error", *extra],
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
        # No Nagle: over TLS the client's Finished and its first request are two small writes,
        # and Nagle would hold the second for the server's delayed ACK (40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if context:
            sock = context.wrap_socket(sock, server_hostname="localhost")
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
    args = sys.argv[1:]
    tls_dir = None
    if "--tls" in args:
        at = args.index("--tls")
        tls_dir = args[at + 1]
        del args[at:at + 2]
    binary = args[0]
    runs = int(args[1]) if len(args) > 1 else 15
    one_run(binary, tls_dir)  # warm the page cache; not counted
    times = []
    for index in range(runs):
        times.append(one_run(binary, tls_dir))
        print(f"run {index + 1}: {times[-1]:.1f} ms")
    times.sort()
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    print(f"exec -> first acknowledged CONNECT{' over TLS' if tls_dir else ''} over {runs} runs: "
          f"min {times[0]:.1f} ms, median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms, max {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()
