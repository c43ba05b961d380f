"""Flask-SocketIO's `send` / `message` and default error handler rows (issue 15), with
python-socketio: its `send(data)` is the `message` event, the server answers with `send`, and a
handler that throws reaches /admin's own error handler there and the server's default in `/`."""
import queue

import socketio

TIMEOUT = 5


def connect(server, namespaces=("/",), auth=None):
    client = socketio.Client(reconnection=False)
    received = {"message": queue.Queue(), "handler_error": queue.Queue()}
    for namespace in namespaces:
        for event, q in received.items():
            client.on(event, lambda *args, q=q, namespace=namespace: q.put((namespace, args)), namespace=namespace)
    client.connect(server, transports=["websocket"], namespaces=list(namespaces), auth=auth, wait_timeout=TIMEOUT)
    return client, received


def test_send_is_the_message_event_both_ways(server):
    client, received = connect(server)
    try:
        client.send("hello")
        assert received["message"].get(timeout=TIMEOUT) == ("/", ("hello",))
        acked = queue.Queue()
        client.send({"text": "hi", "n": 2}, callback=lambda *args: acked.put(args))
        assert received["message"].get(timeout=TIMEOUT) == ("/", ({"text": "hi", "n": 2},))
        assert acked.get(timeout=TIMEOUT) == ({"text": "hi", "n": 2},)
    finally:
        client.disconnect()


def test_a_namespaces_own_error_handler_wins_and_the_default_covers_the_rest(server):
    client, received = connect(server, namespaces=("/", "/admin"), auth={"token": "secret"})
    try:
        client.emit("fail", namespace="/admin")
        assert received["handler_error"].get(timeout=TIMEOUT) == (
            "/admin",
            ({"by": "admin", "namespace": "/admin", "event": "fail"},),
        )
        client.emit("fail", (1, 2))
        assert received["handler_error"].get(timeout=TIMEOUT) == (
            "/",
            ({"by": "default", "namespace": "/", "event": "fail"},),
        )
        # One report each: the default did not run for /admin as well.
        assert received["handler_error"].empty()
        # The sockets live on.
        assert client.call("echo", "still here", namespace="/admin", timeout=TIMEOUT) == "still here"
        assert client.call("echo", "still here", timeout=TIMEOUT) == "still here"
        assert received["handler_error"].empty()
    finally:
        client.disconnect()
