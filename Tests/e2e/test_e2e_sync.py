"""End-to-end behaviour of `socketio-server e2e` with python-socketio's `Client`
(the threaded client), over websocket, polling and the upgrade."""
import queue
import threading
import time

import pytest
import requests
import socketio

TIMEOUT = 5


class Recorder:
    """Collects the events a client receives, for waiting on them one by one."""

    def __init__(self, client, *events):
        self.queues = {}
        for event in events:
            q = queue.Queue()
            self.queues[event] = q
            client.on(event, lambda *args, q=q: q.put(args))

    def next(self, event, timeout=TIMEOUT):
        return self.queues[event].get(timeout=timeout)

    def empty(self, event):
        return self.queues[event].empty()


def connect(server, transports, namespaces=None, auth=None, events=("welcome",)):
    client = socketio.Client(reconnection=False)
    recorder = Recorder(client, *events)
    client.connect(server, transports=transports, namespaces=namespaces, auth=auth, wait_timeout=TIMEOUT)
    return client, recorder


def test_welcome_carries_socket_id_and_auth(server, transports):
    client, rec = connect(server, transports, auth={"user": "ada", "n": 1})
    try:
        (welcome,) = rec.next("welcome")
        assert welcome == {"sid": client.get_sid("/"), "auth": {"user": "ada", "n": 1}}
        # The public socket id is not the Engine.IO session id.
        assert client.get_sid("/") != client.eio.sid
        assert client.transport() == transports[-1] or transports == ["polling", "websocket"]
    finally:
        client.disconnect()


def test_echo_ack_keeps_arguments(server, transports):
    client, _ = connect(server, transports)
    try:
        payload = {"b": 1, "a": [True, None, 2.5, "é😀"], "nested": {"deep": [[{"x": -3}]]}}
        assert client.call("echo", payload, timeout=TIMEOUT) == payload
        # Several ack arguments come back as a tuple in python-socketio.
        assert client.call("echo", ("one", 2, [3]), timeout=TIMEOUT) == ("one", 2, [3])
    finally:
        client.disconnect()


def test_echo_binary_at_any_depth(server, transports):
    client, _ = connect(server, transports)
    try:
        blob = bytes(range(256))
        payload = {"top": b"\x01\x02", "list": [b"", {"deep": [blob]}], "text": "mixed"}
        assert client.call("echo", payload, timeout=TIMEOUT) == payload
        assert client.call("echo", (b"\xff" * 3, "x", b"\x00"), timeout=TIMEOUT) == (b"\xff" * 3, "x", b"\x00")
    finally:
        client.disconnect()


def test_nsp_acks_namespace_name(server, transports):
    client, _ = connect(server, transports)
    try:
        assert client.call("nsp", timeout=TIMEOUT) == "/"
    finally:
        client.disconnect()


def test_rooms_join_to_room_leave_and_size(server, transports):
    a, rec_a = connect(server, transports, events=("welcome", "news"))
    b, rec_b = connect(server, transports, events=("welcome", "news"))
    try:
        room = f"room-{a.get_sid('/')}"
        assert a.call("join", {"room": room}, timeout=TIMEOUT) == room
        assert b.call("room_size", {"room": room}, timeout=TIMEOUT) == 1
        # A non-member sends to the room: the member gets it, the sender does not.
        assert b.call("to_room", {"room": room, "event": "news", "data": {"n": 1}}, timeout=TIMEOUT) is True
        assert rec_a.next("news") == ({"n": 1},)
        # A member sending to its own room gets it too.
        assert a.call("to_room", {"room": room, "event": "news", "data": "self"}, timeout=TIMEOUT) is True
        assert rec_a.next("news") == ("self",)
        assert b.call("join", {"room": room}, timeout=TIMEOUT) == room
        assert a.call("room_size", {"room": room}, timeout=TIMEOUT) == 2
        assert a.call("leave", {"room": room}, timeout=TIMEOUT) == room
        assert a.call("room_size", {"room": room}, timeout=TIMEOUT) == 1
        assert b.call("to_room", {"room": room, "event": "news", "data": 2}, timeout=TIMEOUT) is True
        assert rec_b.next("news") == (2,)
        # a left the room: nothing more for it (the ack above came after the emit was queued).
        assert a.call("echo", "sync", timeout=TIMEOUT) == "sync"
        assert rec_a.empty("news")
        # A socket's own id is a room.
        assert b.call("to_room", {"room": a.get_sid("/"), "event": "news", "data": "direct"}, timeout=TIMEOUT) is True
        assert rec_a.next("news") == ("direct",)
    finally:
        a.disconnect()
        b.disconnect()


def test_ask_me_round_trip_through_a_client_ack(server, transports):
    client, rec = connect(server, transports, events=("welcome", "answer"))
    client.on("question", lambda q: f"answer to {q}")
    try:
        client.emit("ask_me", "life?")
        assert rec.next("answer") == ("answer to life?",)
    finally:
        client.disconnect()


def test_handshake_is_nodes_object(server, transports):
    # Node's `socket.handshake` as JSON (issue 15): its keys in Node's order and types.
    client, _ = connect(server, transports, auth={"user": "py"})
    try:
        handshake = client.call("handshake", timeout=TIMEOUT)
        assert list(handshake) == ["headers", "time", "address", "xdomain", "secure", "issued", "url", "query", "auth"]
        assert handshake["secure"] is False and handshake["address"] == "127.0.0.1"
        assert handshake["auth"] == {"user": "py"} and handshake["query"]["EIO"] == "4"
        assert handshake["time"].endswith("GMT+0000 (Coordinated Universal Time)")
        assert abs(handshake["issued"] / 1000 - time.time()) < 60
        assert "host" in handshake["headers"]
    finally:
        client.disconnect()


def test_kick_disconnects_the_socket(server, transports):
    client, rec = connect(server, transports)
    gone = threading.Event()
    client.on("disconnect", lambda *args: gone.set())
    client.emit("kick")
    assert gone.wait(TIMEOUT)
    client.disconnect()


def test_broadcast_reaches_every_socket(server, transports):
    clients = [connect(server, transports, events=("welcome", "bcast")) for _ in range(3)]
    try:
        sender = clients[0][0]
        sender.emit("broadcast", ("hello", {"k": [1, 2]}, b"\x07"))
        for _, rec in clients:
            assert rec.next("bcast") == ("hello", {"k": [1, 2]}, b"\x07")
    finally:
        for client, _ in clients:
            client.disconnect()


def test_admin_requires_the_token(server, transports):
    client = socketio.Client(reconnection=False)
    errors = queue.Queue()
    client.on("connect_error", lambda data: errors.put(data), namespace="/admin")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server, transports=transports, namespaces=["/admin"], auth={"token": "nope"}, wait_timeout=TIMEOUT)
    # The CONNECT_ERROR carries the middleware's message and data.
    assert errors.get(timeout=TIMEOUT) == {"message": "unauthorized", "data": {"code": 401}}
    client.disconnect()


def test_admin_with_token_and_two_namespaces_on_one_connection(server, transports):
    client = socketio.Client(reconnection=False)
    rec = Recorder(client, "bcast")
    client.on("bcast", lambda *a: rec.queues["bcast"].put(a), namespace="/admin")
    client.connect(server, transports=transports, namespaces=["/", "/admin"], auth={"token": "secret"}, wait_timeout=TIMEOUT)
    try:
        assert client.call("nsp", namespace="/admin", timeout=TIMEOUT) == "/admin"
        assert client.call("nsp", namespace="/", timeout=TIMEOUT) == "/"
        assert client.get_sid("/admin") != client.get_sid("/")
        assert client.call("echo", {"x": b"\x01"}, namespace="/admin", timeout=TIMEOUT) == {"x": b"\x01"}
        # A room of this client's own: the previous parameter's client may still be in a shared
        # one when python-engineio lost its closing POST (it then leaves at the ping timeout).
        room = f"admins-{client.get_sid('/admin')}"
        assert client.call("join", {"room": room}, namespace="/admin", timeout=TIMEOUT) == room
        assert client.call("room_size", {"room": room}, namespace="/admin", timeout=TIMEOUT) == 1
        # Rooms are per namespace.
        assert client.call("room_size", {"room": room}, namespace="/", timeout=TIMEOUT) == 0
        client.emit("broadcast", "to admins", namespace="/admin")
        assert rec.next("bcast") == ("to admins",)
    finally:
        client.disconnect()


def test_unknown_namespace_is_refused(server, transports):
    client = socketio.Client(reconnection=False)
    errors = queue.Queue()
    client.on("connect_error", lambda data: errors.put(data), namespace="/nowhere")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server, transports=transports, namespaces=["/nowhere"], wait_timeout=TIMEOUT)
    assert errors.get(timeout=TIMEOUT) == {"message": "Invalid namespace"}
    client.disconnect()


def test_client_disconnect_then_reconnect_sees_a_new_socket(server, transports):
    client, rec = connect(server, transports)
    first = client.get_sid("/")
    client.disconnect()
    client, rec = connect(server, transports)
    try:
        assert client.get_sid("/") != first
        assert client.call("echo", "again", timeout=TIMEOUT) == "again"
    finally:
        client.disconnect()


def test_health_and_cors(server):
    response = requests.get(server + "/health", timeout=TIMEOUT)
    assert response.status_code == 200
    handshake = requests.get(
        server + "/socket.io/?EIO=4&transport=polling", headers={"Origin": "http://example.test"}, timeout=TIMEOUT
    )
    assert handshake.status_code == 200
    # Echoed with credentials, as Node's cors with credentials: true (the Admin UI needs it).
    assert handshake.headers["access-control-allow-origin"] == "http://example.test"
    assert handshake.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in handshake.headers["vary"]
    assert handshake.text.startswith('0{"sid":')
