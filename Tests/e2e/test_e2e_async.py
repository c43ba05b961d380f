"""The same server driven by python-socketio's asyncio `AsyncClient` over each transport, plus
raw Engine.IO frames for what a well-behaved client never does."""
import asyncio
import json

import pytest
import socketio
import websocket

TIMEOUT = 5


@pytest.mark.asyncio
async def test_async_echo_and_broadcast(server, transports):
    received = asyncio.Queue()
    clients = []
    for _ in range(2):
        client = socketio.AsyncClient(reconnection=False)
        client.on("bcast", lambda *args: received.put_nowait(args))
        await client.connect(server, transports=transports, wait_timeout=TIMEOUT)
        clients.append(client)
    try:
        assert await clients[0].call("echo", [1, {"two": b"\x02"}], timeout=TIMEOUT) == [1, {"two": b"\x02"}]
        await clients[1].emit("broadcast", "all")
        got = [await asyncio.wait_for(received.get(), TIMEOUT) for _ in clients]
        assert got == [("all",), ("all",)]
    finally:
        for client in clients:
            await client.disconnect()


@pytest.mark.asyncio
async def test_async_many_acks_in_order(server, transports):
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(server, transports=transports, wait_timeout=TIMEOUT)
    try:
        results = await asyncio.gather(*(client.call("echo", i, timeout=TIMEOUT) for i in range(50)))
        assert results == list(range(50))
    finally:
        await client.disconnect()


def _raw_ws(server):
    ws = websocket.create_connection(server.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=TIMEOUT)
    assert ws.recv().startswith('0{"sid":')
    return ws


def _recv_skipping_pings(ws):
    while True:
        frame = ws.recv()
        if frame == "2":
            ws.send("3")
            continue
        return frame


def test_ask_me_times_out_when_the_client_never_acks(server):
    # python-socketio always acks, so speak the protocol by hand and stay silent.
    ws = _raw_ws(server)
    try:
        ws.send("40")
        assert _recv_skipping_pings(ws).startswith('40{"sid":')
        assert _recv_skipping_pings(ws).startswith('42["welcome"')
        ws.send('42["ask_me","Q"]')
        question = _recv_skipping_pings(ws)
        assert question.startswith("420[") or question.startswith("42") and '"question"' in question
        ws.settimeout(8)
        answer = _recv_skipping_pings(ws)
        assert json.loads(answer[2:]) == ["answer", {"error": "timeout"}]
    finally:
        ws.close()


def test_invalid_packet_closes_the_connection(server):
    ws = _raw_ws(server)
    ws.send("40")
    assert _recv_skipping_pings(ws).startswith('40{"sid":')
    ws.send('42{"not":"an array"}')
    ws.settimeout(TIMEOUT)
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        while True:
            frame = ws.recv()
            if frame == "":
                raise websocket.WebSocketConnectionClosedException()
