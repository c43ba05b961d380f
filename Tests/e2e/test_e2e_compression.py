"""Compression (issue 14 item 4): polling responses gzip/deflate as Node's httpCompression, with
python-socketio (requests sends `Accept-Encoding: gzip, deflate`) and raw requests."""
import json
import threading

import pytest
import requests
import socketio

from conftest import _start_server, terminate


def stats(client):
    return client.call("compression_stats", timeout=5)


def test_python_socketio_polling_gets_gzip(server):
    client = socketio.Client(reconnection=False)
    got = threading.Event()
    events = []

    @client.on("big")
    def on_big(data):
        events.append(data)
        got.set()

    client.connect(server, transports=["polling"], wait_timeout=5)
    try:
        before = stats(client)
        client.emit("big_event", {"compress": True})
        assert got.wait(5)
        after = stats(client)
    finally:
        client.disconnect()
    assert events[0]["total"] == 56 and len(events[0]["users"]) == 56
    # The 10 KB event's poll went compressed, to under a third of its size.
    assert after["http_compressed_responses"] > before["http_compressed_responses"]
    bytes_in = after["http_compressed_bytes_in"] - before["http_compressed_bytes_in"]
    bytes_out = after["http_compressed_bytes_out"] - before["http_compressed_bytes_out"]
    assert bytes_in >= 9000 and 0 < bytes_out * 3 < bytes_in


def big_poll(url, accept_encoding):
    """Opens a polling session, asks for the big event and returns the poll that carries it."""
    session = requests.Session()
    base = url + "/socket.io/?EIO=4&transport=polling"
    headers = {} if accept_encoding is None else {"Accept-Encoding": accept_encoding}
    if accept_encoding is None:
        session.headers.pop("Accept-Encoding", None)
    handshake = session.get(base, headers=headers, timeout=5)
    sid = json.loads(handshake.text[1:])["sid"]
    session.post(f"{base}&sid={sid}", data="40", timeout=5)
    session.get(f"{base}&sid={sid}", headers=headers, timeout=5)  # CONNECT and welcome
    session.post(f"{base}&sid={sid}", data='42["big_event",{"compress":true}]', timeout=5)
    response = session.get(f"{base}&sid={sid}", headers=headers, timeout=5, stream=True)
    raw = response.raw.read(decode_content=False)
    session.post(f"{base}&sid={sid}", data="1", timeout=5)
    return response, raw


@pytest.mark.parametrize("accept, coding", [("gzip, deflate", "gzip"), ("deflate", "deflate"), ("br;q=1, gzip;q=0.5", "gzip")])
def test_poll_is_compressed_as_accept_encoding_asks(server, accept, coding):
    response, raw = big_poll(server, accept)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == coding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert int(response.headers["Content-Length"]) == len(raw) < 4000
    import zlib
    body = zlib.decompress(raw, 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS).decode()
    assert body.startswith('42["big",{"users":[')


@pytest.mark.parametrize("accept", [None, "identity", "br", "gzip;q=0", "gz;;ip,,=q", "x" * 6000])
def test_poll_is_never_compressed_unasked(server, accept):
    response, raw = big_poll(server, accept)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert raw.decode().startswith('42["big",{"users":[')


def test_http_compression_off():
    proc, url = _start_server("--http-compression", "off")
    try:
        response, raw = big_poll(url, "gzip")
        assert "Content-Encoding" not in response.headers
        assert raw.decode().startswith('42["big"')
    finally:
        assert terminate(proc) == 0
