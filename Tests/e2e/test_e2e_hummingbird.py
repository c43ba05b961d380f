"""python-socketio clients against Socket.IO mounted in a Hummingbird 2 application
(`hummingbird-example`, Examples/Hummingbird): the app's own JSON route and Socket.IO share
one port, over websocket, polling and the upgrade."""
import os
import subprocess
import time

import pytest
import requests
from conftest import connect_recording, terminate

TIMEOUT = 5


@pytest.fixture(scope="module")
def hummingbird_app():
    binary = os.environ.get("HUMMINGBIRD_EXAMPLE_BIN", ".build/debug/hummingbird-example")
    proc = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"hummingbird-example did not start: {line!r}")
    yield "http://" + line.split(" ")[-1]
    terminate(proc)


def wait_for_count(app, expected):
    """Whether /api/clients says `expected` within TIMEOUT."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        if requests.get(app + "/api/clients", timeout=TIMEOUT).text == expected:
            return True
        time.sleep(0.05)
    return False


def test_the_apps_own_route_answers_on_the_same_port(hummingbird_app):
    response = requests.get(hummingbird_app + "/api/hello", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == {"hello": "world"}


def test_echo_acks_with_binary(hummingbird_app, transports):
    client, _ = connect_recording(hummingbird_app, transports=transports)
    try:
        payload = {"text": "é😀", "bytes": b"\x00\x01\xff", "list": [1, 2.5, None, True]}
        assert client.call("echo", payload, timeout=TIMEOUT) == payload
        assert client.transport() in transports
    finally:
        client.disconnect()


def test_rooms_reach_clients_on_other_transports(hummingbird_app):
    listener, queues = connect_recording(hummingbird_app, "said", transports=["polling"])
    speaker, _ = connect_recording(hummingbird_app)
    try:
        assert listener.call("join", "r1", timeout=TIMEOUT) is True
        speaker.emit("say", ("r1", "hello from websocket"))
        sid, text = queues["said"].get(timeout=TIMEOUT)
        assert (sid, text) == (speaker.get_sid("/"), "hello from websocket")
        # The previous test's clients leave asynchronously (their close reaches the server after
        # `disconnect()` returns): wait for the count to settle rather than read it once.
        assert wait_for_count(hummingbird_app, "2")
    finally:
        listener.disconnect()
        speaker.disconnect()
