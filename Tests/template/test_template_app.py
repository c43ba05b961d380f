"""python-socketio against the template app (Examples/Template), built out of tree as one static
file and run under chroot by scripts/portability-test.sh --app, which points us at it with
SOCKETIO_TEMPLATE_URL. Not part of Tests/e2e: the app is not socketio-server.
"""
import os
import queue
import urllib.request

import pytest
import socketio

TIMEOUT = 5


@pytest.fixture(scope="module")
def url():
    value = os.environ.get("SOCKETIO_TEMPLATE_URL")
    assert value, "SOCKETIO_TEMPLATE_URL names the running template app (scripts/portability-test.sh --app)"
    return value


def connect(url, transports):
    client = socketio.Client(reconnection=False)
    received = queue.Queue()
    client.on("chat", lambda message: received.put(message))
    client.connect(url, transports=transports, wait_timeout=TIMEOUT)
    return client, received


def test_page_and_health_come_from_the_app(url):
    with urllib.request.urlopen(url + "/", timeout=TIMEOUT) as response:
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/html")
        page = response.read().decode()
    # static/index.html, read from the folder next to the binary.
    assert "<h1>my-app</h1>" in page and "/socket.io-light.js" in page
    with urllib.request.urlopen(url + "/health", timeout=TIMEOUT) as response:
        assert response.read() == b"ok"
    # The light client the page loads, from the library (LightClient), not from static/.
    with urllib.request.urlopen(url + "/socket.io-light.js", timeout=TIMEOUT) as response:
        assert response.status == 200
        assert "javascript" in response.headers["content-type"]
        assert b"function io(" in response.read()


@pytest.mark.parametrize("transports", [["websocket"], ["polling"], ["polling", "websocket"]], ids=["websocket", "polling", "upgrade"])
def test_connect_and_join_ack(url, transports):
    client, _ = connect(url, transports)
    try:
        assert client.call("join", "room-" + client.get_sid("/"), timeout=TIMEOUT) == "room-" + client.get_sid("/")
    finally:
        client.disconnect()


def test_chat_reaches_the_room_only_and_the_ack_counts_it(url):
    a, received_a = connect(url, ["websocket"])
    b, received_b = connect(url, ["polling"])
    outsider, received_outsider = connect(url, ["websocket"])
    try:
        room = "room-" + a.get_sid("/")
        assert a.call("join", room, timeout=TIMEOUT) == room
        assert b.call("join", room, timeout=TIMEOUT) == room
        assert a.call("chat", {"room": room, "text": "hello"}, timeout=TIMEOUT) == {"recipients": 2}
        assert received_a.get(timeout=TIMEOUT) == {"room": room, "text": "hello"}
        assert received_b.get(timeout=TIMEOUT) == {"room": room, "text": "hello"}
        # Every client starts in "lobby"; the outsider is there, not in the room.
        assert outsider.call("chat", {"room": "lobby", "text": "hi lobby"}, timeout=TIMEOUT) == {"recipients": 3}
        for received in (received_a, received_b, received_outsider):
            assert received.get(timeout=TIMEOUT) == {"room": "lobby", "text": "hi lobby"}
        # Saying something to a room it is not in reaches nobody.
        assert outsider.call("chat", {"room": room, "text": "let me in"}, timeout=TIMEOUT) == {"recipients": 0}
        assert a.call("join", room, timeout=TIMEOUT) == room  # a round trip after the refused chat
        assert received_a.empty() and received_b.empty() and received_outsider.empty()
    finally:
        for client in (a, b, outsider):
            client.disconnect()
