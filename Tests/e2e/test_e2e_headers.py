"""Issue 13, the rest of the Engine.IO wire, end to end against `socketio-server e2e --cookie io`:

- the header hooks (Node's `initial_headers` and `headers` events): python-socketio keeps the
  cookies the handshake sets (the sticky `io=<sid>` and the app's `e2e_app`, from
  `initialHeaders`) and sends them back on every polling request and on the WebSocket upgrade;
  the server records what it saw (`cookies_seen`). A value a hook copies from the request with
  CR LF in it never reaches the wire;
- the noop during an upgrade, on the raw protocol: it comes only after `3probe`, on Node's
  100 ms check, never to a poll while the WebSocket has not probed.

The official JavaScript client checks the same in Node and in Chromium (Tests/js)."""
import socket
import threading
import time

import pytest
import requests
import socketio
import websocket

from conftest import _start_server, terminate

TIMEOUT = 5


@pytest.fixture(scope="module")
def cookie_server():
    proc, url = _start_server("--cookie", "io")
    yield url
    assert terminate(proc) == 0


@pytest.mark.parametrize("transports", [["polling"], ["polling", "websocket"]], ids=["polling", "upgrade"])
def test_python_socketio_sends_the_hooks_cookies_back(cookie_server, transports):
    client = socketio.Client(reconnection=False)
    client.connect(cookie_server, transports=transports, wait_timeout=TIMEOUT)
    try:
        sid = client.eio.sid
        assert client.call("echo", "x", timeout=TIMEOUT) == "x"
        assert client.transport() == transports[-1]
        app = client.eio.http.cookies.get("e2e_app")
        assert app and client.eio.http.cookies.get("io") == sid
        seen = client.call("cookies_seen", sid, timeout=TIMEOUT)
        polling = [r for r in seen if r["transport"] == "polling"]
        if transports == ["polling"]:
            assert {r["method"] for r in polling} >= {"GET", "POST"}, seen
        # (python-engineio upgrades right after the handshake: its CONNECT already goes over
        # the WebSocket, so the upgrade request may be all there is to see.)
        for request in seen:
            cookies = request["cookie"].split("; ")
            assert f"io={sid}" in cookies and f"e2e_app={app}" in cookies, request
        upgrades = [r for r in seen if r["transport"] == "websocket"]
        assert len(upgrades) == (1 if "websocket" in transports else 0), seen
    finally:
        client.disconnect()


def raw_get(url, path):
    """One raw HTTP/1.1 request: the status line and header lines exactly as sent, and the body."""
    host, port = url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode("latin-1").split("\r\n"), body.decode()


def test_a_hook_cannot_split_the_response_with_crlf_from_the_request(cookie_server):
    lines, body = raw_get(cookie_server, "/socket.io/?EIO=4&transport=polling&echo=a%0D%0ASet-Cookie:%20evil=1%0D%0A%0D%0Ax")
    assert lines[0] == "HTTP/1.1 200 OK"
    assert body.startswith('0{"sid":"')
    assert not any(line.lower().startswith("x-e2e-echo") for line in lines), lines
    assert not any("evil" in line for line in lines), lines
    assert "x-e2e-headers: polling" in lines
    # A value without control characters is copied as is.
    lines, _ = raw_get(cookie_server, "/socket.io/?EIO=4&transport=polling&echo=fine%20value")
    assert "x-e2e-echo: fine value" in lines


def test_the_upgrade_noop_comes_only_after_the_probe_answer(cookie_server):
    base = cookie_server + "/socket.io/?EIO=4&transport=polling"
    sid = requests.get(base, timeout=TIMEOUT).text.split('"sid":"')[1].split('"')[0]
    poll_url = f"{base}&sid={sid}"
    answered = {}

    def poll(key):
        body = requests.get(poll_url, timeout=TIMEOUT).text
        answered[key] = (body, time.monotonic())

    waiting = threading.Thread(target=poll, args=("first",))
    waiting.start()
    time.sleep(0.2)
    ws = websocket.create_connection(cookie_server.replace("http", "ws") + f"/socket.io/?EIO=4&transport=websocket&sid={sid}", timeout=TIMEOUT)
    try:
        # A WebSocket that has not probed leaves the poll alone: Node starts its checks on `2probe`.
        time.sleep(0.3)
        assert "first" not in answered
        ws.send("2probe")
        assert ws.recv() == "3probe"
        probed = time.monotonic()
        waiting.join(TIMEOUT)
        body, at = answered["first"]
        assert body == "6"
        # Node's first check comes 100 ms after the probe answer; allow the loopback's jitter.
        assert 0.05 <= at - probed < 1.0, at - probed
        # A poll during the upgrade waits for the next check, then gets its noop.
        started = time.monotonic()
        poll("second")
        body, at = answered["second"]
        assert body == "6" and at - started < 1.0, (body, at - started)
        ws.send("5")
        ws.send("40")
        assert ws.recv().startswith('40{"sid":"')
        assert requests.get(poll_url, timeout=TIMEOUT).status_code == 400
    finally:
        ws.close()
