#!/usr/bin/env python3
"""Broadcast latency across two `socketio-server e2e --redis` nodes, next to one node, in one run.

A python-socketio client on node A asks (`to_room`) for an event to a room; a client on node B
(or on node A, for the single-node line) is in that room. Latency = receipt time - send time,
same machine clock. Bounded: SAMPLES messages per line, one every PAUSE seconds; loopback only.

usage: cluster-latency.py [SAMPLES]   (needs redis-server on PATH and the debug or release build)
"""
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "e2e"))
import socketio  # noqa: E402
from test_e2e_redis import RedisServer, start_node  # noqa: E402
from conftest import terminate  # noqa: E402

SAMPLES = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
PAUSE = 0.002


def measure(sender_url, receiver_url, room):
    received = {}
    done = threading.Event()
    receiver = socketio.Client(reconnection=False)

    @receiver.on("tick")
    def tick(data):
        received[data["n"]] = time.perf_counter()
        if len(received) == SAMPLES:
            done.set()

    receiver.connect(receiver_url, transports=["websocket"])
    sender = socketio.Client(reconnection=False)
    sender.connect(sender_url, transports=["websocket"])
    receiver.call("join", {"room": room}, timeout=5)
    time.sleep(0.5)
    sent = {}
    for n in range(SAMPLES):
        sent[n] = time.perf_counter()
        sender.emit("to_room", {"room": room, "event": "tick", "data": {"n": n}})
        time.sleep(PAUSE)
    done.wait(30)
    sender.disconnect()
    receiver.disconnect()
    latencies = sorted((received[n] - sent[n]) * 1000 for n in received)
    return {
        "received": len(latencies),
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "max": latencies[-1],
    }


def main():
    redis = RedisServer()
    redis.start()
    nodes = [start_node(redis.url, "bench", "bench-queue") for _ in range(2)]
    try:
        time.sleep(0.5)
        (_, a), (_, b) = nodes
        one = measure(a, a, "same-node")
        two = measure(a, b, "cross-node")
    finally:
        for proc, _ in nodes:
            terminate(proc)
        redis.stop()
    print(f"samples per line: {SAMPLES}, one every {PAUSE * 1000:.0f} ms; server: {os.environ.get('SOCKETIO_SERVER_BIN', '.build/debug/socketio-server')}")
    print(f"{'path':<34} {'received':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, line in [("one node (client → node → client)", one), ("two nodes through Redis", two)]:
        print(f"{name:<34} {line['received']:>9} {line['p50']:>8.2f} {line['p99']:>8.2f} {line['max']:>8.2f}")
    print(f"cross-node / one-node: p50 {two['p50'] / one['p50']:.2f}x, p99 {two['p99'] / one['p99']:.2f}x")


if __name__ == "__main__":
    main()
