"""Connection state recovery (issue 13) seen from python-socketio, which does not recover:
against `socketio-server e2e --connection-state-recovery MS`, a client whose connection drops
reconnects on its own as a new session (a new sid), and everything still works. As with Node's
server, every kept event carries its offset as one more, last argument (the official JS client
keeps it to recover); python handlers must take it (`*args`).
"""
import queue

import pytest
import socketio

from conftest import _start_server, terminate

TIMEOUT = 5


@pytest.fixture(scope="module")
def recovery_server():
    proc, url = _start_server("--connection-state-recovery", "60000")
    yield url
    assert terminate(proc) == 0


# Not polling: python-engineio takes the server's close on a polling transport (a `1` packet
# in the poll answer, which Node sends too) as a deliberate close, and does not reconnect.
@pytest.mark.parametrize("transports", [["websocket"], ["polling", "websocket"]], ids=["websocket", "upgrade"])
def test_python_client_reconnects_as_a_new_session(recovery_server, transports):
    client = socketio.Client(reconnection=True, reconnection_delay=0.1, reconnection_delay_max=0.2, randomization_factor=0)
    connects = queue.Queue()
    news = queue.Queue()
    client.on("connect", lambda: connects.put(client.get_sid()))
    client.on("news", lambda *args: news.put(args))
    client.connect(recovery_server, transports=transports, wait_timeout=TIMEOUT)
    try:
        first_sid = connects.get(timeout=TIMEOUT)
        room = f"py-{first_sid}"
        assert client.call("join", {"room": room}, timeout=TIMEOUT) == room
        assert client.call("to_room", {"room": room, "event": "news", "data": 1}, timeout=TIMEOUT) is True
        data, offset = news.get(timeout=TIMEOUT)
        assert data == 1
        assert isinstance(offset, str) and offset  # the offset, last, as Node sends it

        client.emit("drop_transport")  # the server drops the connection without a DISCONNECT
        second_sid = connects.get(timeout=10)
        assert second_sid != first_sid  # python-socketio sends no pid: a new session
        me = client.call("whoami", timeout=TIMEOUT)
        assert me["id"] == second_sid and me["recovered"] is False
        assert room not in me["rooms"]
        echoed = client.call("echo", {"n": 2}, timeout=TIMEOUT)
        assert echoed == {"n": 2}
    finally:
        client.disconnect()


def test_a_forged_pid_does_not_take_a_session(recovery_server):
    """A client that presents another client's pid-like values gets a new session."""
    client = socketio.Client(reconnection=False)
    client.connect(recovery_server, transports=["websocket"], auth={"pid": "forged", "offset": "0-1"}, wait_timeout=TIMEOUT)
    try:
        me = client.call("whoami", timeout=TIMEOUT)
        assert me["recovered"] is False and me["id"] == client.get_sid()
    finally:
        client.disconnect()
