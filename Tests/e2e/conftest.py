"""Starts `socketio-server e2e` on a free loopback port for the end-to-end tests.

The binary comes from SOCKETIO_SERVER_BIN (scripts/test.sh sets it to the debug build), or
SOCKETIO_SERVER_URL names a server that is already running.
"""
import os
import queue
import subprocess
import time

import pytest
import requests
import socketio


def _start_server(*extra):
    binary = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
    proc = subprocess.Popen(
        # A short drain: a python-engineio client can lose its last POST (DISCONNECT and close)
        # when it disconnects during a poll, and the drain would wait for that session.
        [binary, "e2e", "--host", "127.0.0.1", "--port", "0", "--log-level", "warning", "--drain-timeout", "1000", *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    port = int(line.rsplit(":", 1)[1])
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.05)
    return proc, url


@pytest.fixture(scope="session")
def server():
    # scripts/portability-test.sh runs the server itself (under chroot) and points us at it.
    if os.environ.get("SOCKETIO_SERVER_URL"):
        yield os.environ["SOCKETIO_SERVER_URL"]
        return
    proc, url = _start_server()
    yield url
    returncode = terminate(proc)
    assert returncode == 0, f"server exited with {returncode} after SIGTERM"


def terminate(proc):
    """SIGTERM, then SIGKILL after 10 s; returns the exit code."""
    proc.terminate()
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


# The three ways a client reaches the server: straight WebSocket, polling only, and polling
# upgraded to WebSocket (python-socketio's default).
TRANSPORTS = {
    "websocket": ["websocket"],
    "polling": ["polling"],
    "upgrade": ["polling", "websocket"],
}


@pytest.fixture(params=list(TRANSPORTS), ids=list(TRANSPORTS))
def transports(request):
    return TRANSPORTS[request.param]


def connect_recording(url, *events, transports=("websocket",), timeout=5):
    """A python-socketio Client that queues what it receives of `events`: (client, {event: Queue})."""
    client = socketio.Client(reconnection=False)
    queues = {}
    for event in events:
        q = queue.Queue()
        queues[event] = q
        client.on(event, lambda *args, q=q: q.put(args))
    client.connect(url, transports=list(transports), wait_timeout=timeout)
    return client, queues
