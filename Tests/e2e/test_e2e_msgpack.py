"""The MessagePack wire (issue 13): `socketio-server e2e --parser msgpack` driven by
python-socketio with `serializer='msgpack'`, which writes each packet as one Engine.IO binary
message holding a MessagePack map, as Node's socket.io-msgpack-parser does.

The scenarios of test_e2e_sync.py and test_e2e_async.py run here again, unchanged, over each
transport: this module's `server` fixture starts a MessagePack server, and every
`socketio.Client` / `AsyncClient` the scenarios make is created with `serializer='msgpack'`.
Then what only this wire has: raw MessagePack frames, and clients of the other wire refused.
"""
import queue

import msgpack
import pytest
import socketio
import websocket
from conftest import _start_server, terminate

# The scenarios, re-collected in this module so that they see its fixtures.
from test_e2e_async import test_async_echo_and_broadcast, test_async_many_acks_in_order  # noqa: F401
from test_e2e_sync import (  # noqa: F401
    test_admin_requires_the_token,
    test_admin_with_token_and_two_namespaces_on_one_connection,
    test_ask_me_round_trip_through_a_client_ack,
    test_broadcast_reaches_every_socket,
    test_client_disconnect_then_reconnect_sees_a_new_socket,
    test_echo_ack_keeps_arguments,
    test_echo_binary_at_any_depth,
    test_kick_disconnects_the_socket,
    test_nsp_acks_namespace_name,
    test_rooms_join_to_room_leave_and_size,
    test_unknown_namespace_is_refused,
    test_welcome_carries_socket_id_and_auth,
)

TIMEOUT = 5
JSONClient = socketio.Client


class MsgPackClient(socketio.Client):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("serializer", "msgpack")
        super().__init__(*args, **kwargs)


class MsgPackAsyncClient(socketio.AsyncClient):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("serializer", "msgpack")
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="module")
def server():
    """A server of its own on the MessagePack wire (conftest's `server` is JSON)."""
    proc, url = _start_server("--parser", "msgpack")
    yield url
    assert terminate(proc) == 0


@pytest.fixture(autouse=True)
def msgpack_clients(monkeypatch):
    """Every client the scenarios create speaks MessagePack."""
    monkeypatch.setattr(socketio, "Client", MsgPackClient)
    monkeypatch.setattr(socketio, "AsyncClient", MsgPackAsyncClient)


def test_the_clients_really_speak_msgpack():
    assert MsgPackClient(reconnection=False).packet_class.__name__ == "MsgPackPacket"
    assert socketio.Client is MsgPackClient


def test_a_json_client_is_refused_by_a_msgpack_server(server):
    # Its CONNECT is a text message, which this wire never carries: the server closes the
    # connection, and the client never hears back from the namespace.
    client = JSONClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server, transports=["websocket"], wait_timeout=2)
    client.disconnect()


def _raw_ws(server):
    ws = websocket.create_connection(server.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=TIMEOUT)
    assert ws.recv().startswith('0{"sid":')  # the Engine.IO open stays text
    return ws


def _recv_packet(ws):
    """The next Socket.IO packet (a binary frame), answering pings."""
    while True:
        opcode, frame = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_TEXT and frame == b"2":
            ws.send("3")
            continue
        assert opcode == websocket.ABNF.OPCODE_BINARY, frame
        return msgpack.unpackb(frame)


def test_raw_frames_are_one_msgpack_map_each(server):
    ws = _raw_ws(server)
    try:
        ws.send_binary(msgpack.packb({"type": 0, "nsp": "/", "data": {"user": "raw"}}))
        connected = _recv_packet(ws)
        assert connected["type"] == 0 and connected["nsp"] == "/" and len(connected["data"]["sid"]) == 20
        welcome = _recv_packet(ws)
        assert welcome["type"] == 2 and welcome["data"] == ["welcome", {"sid": connected["data"]["sid"], "auth": {"user": "raw"}}]
        # Extra keys (the JS client sends `options`) are ignored; bytes are inline `bin`.
        ws.send_binary(msgpack.packb({"type": 2, "nsp": "/", "data": ["echo", b"\x00\xff"], "id": 7, "options": {"compress": True}}))
        assert _recv_packet(ws) == {"type": 3, "data": [b"\x00\xff"], "id": 7, "nsp": "/"}
    finally:
        ws.close()


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(b"\xc1", id="not-msgpack"),
        pytest.param(msgpack.packb([2, "/", ["echo"]]), id="not-a-map"),
        pytest.param(msgpack.packb({"type": 5, "nsp": "/", "data": ["x"]}), id="type-5"),
        pytest.param(msgpack.packb({"type": 2, "nsp": "/", "data": {"not": "an array"}}), id="event-not-an-array"),
        pytest.param(msgpack.packb({"type": 2, "nsp": "/", "data": ["disconnect"]}), id="reserved-event"),
        pytest.param(msgpack.packb({"type": 2, "nsp": "/", "data": ["x"], "id": -1}), id="negative-id"),
        pytest.param(b"\x83\xa4type\x02\xa3nsp\xa1/\xa4data" + b"\x91" * 5000 + b"\x01", id="deep"),
        pytest.param(b"\x83\xa4type\x02\xa3nsp\xa1/\xa4data\xdd\xff\xff\xff\xff", id="array-of-4-billion"),
        pytest.param("42[\"echo\"]", id="text-frame"),
    ],
)
def test_bad_input_closes_the_connection(server, frame):
    ws = _raw_ws(server)
    ws.send_binary(msgpack.packb({"type": 0, "nsp": "/"}))
    assert _recv_packet(ws)["type"] == 0
    if isinstance(frame, str):
        ws.send(frame)
    else:
        ws.send_binary(frame)
    ws.settimeout(TIMEOUT)
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE or data == b"":
                raise websocket.WebSocketConnectionClosedException()
    # The server goes on serving others.
    client = MsgPackClient(reconnection=False)
    client.connect(server, transports=["websocket"], wait_timeout=TIMEOUT)
    try:
        assert client.call("echo", "still here", timeout=TIMEOUT) == "still here"
    finally:
        client.disconnect()
