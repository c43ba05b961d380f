"""Two `socketio-server e2e --redis` processes on a real redis-server, python-socketio clients
on each, and a Flask-SocketIO message-queue writer: what crosses between servers, and what
happens when Redis goes away and comes back.

Each test module run starts its own redis-server (the Debian package; scripts/test.sh installs
it) on a free loopback port, so it can stop and restart it."""
import os
import queue
import shutil
import socket
import subprocess
import time

import pytest
import socketio

from conftest import connect_recording, terminate

TIMEOUT = 5


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is needed: apt-get install redis-server")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        terminate(self.proc)


def start_node(redis_url, key, channel):
    binary = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
    proc = subprocess.Popen(
        [binary, "e2e", "--port", "0", "--log-level", "error", "--drain-timeout", "500",
         "--redis", redis_url, "--redis-key", key, "--python-queue", channel],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, "http://127.0.0.1:" + line.rsplit(":", 1)[1]


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(redis_server):
    key = f"sio-e2e-{os.getpid()}"
    channel = f"flask-socketio-{os.getpid()}"
    nodes = [start_node(redis_server.url, key, channel) for _ in range(2)]
    yield {"urls": [url for _, url in nodes], "channel": channel, "redis": redis_server}
    for proc, _ in nodes:
        terminate(proc)


connect = connect_recording


def wait_for(condition, timeout=10):
    """Polls `condition` (which may raise while the cluster is still coming back)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return True
        except socketio.exceptions.TimeoutError:
            pass
        time.sleep(0.05)
    return False


def test_room_broadcasts_fetch_sockets_and_remote_joins_cross_nodes(cluster):
    a, qa = connect(cluster["urls"][0], "hi", transports=("polling", "websocket"))
    b, qb = connect(cluster["urls"][1], "hi", "vip")
    try:
        assert wait_for(lambda: a.call("server_count", timeout=TIMEOUT) == 2)
        assert a.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
        assert b.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
        # A broadcast from node 2 reaches the client on node 1.
        assert b.call("to_room", {"room": "r", "event": "hi", "data": {"from": "b"}}, timeout=TIMEOUT) is True
        assert qa["hi"].get(timeout=TIMEOUT) == ({"from": "b"},)
        assert qb["hi"].get(timeout=TIMEOUT) == ({"from": "b"},)
        # fetchSockets sees both nodes.
        assert a.call("room_size", {"room": "r"}, timeout=TIMEOUT) == 2
        # socketsJoin from node 1 moves a socket of node 2.
        assert a.call("sockets_join", {"target": b.get_sid("/"), "room": "vip"}, timeout=TIMEOUT) is True
        assert wait_for(lambda: a.call("room_size", {"room": "vip"}, timeout=TIMEOUT) == 1)
        a.call("to_room", {"room": "vip", "event": "vip", "data": "welcome"}, timeout=TIMEOUT)
        assert qb["vip"].get(timeout=TIMEOUT) == ("welcome",)
    finally:
        a.disconnect()
        b.disconnect()


def test_a_flask_socketio_message_queue_writer_reaches_our_clients(cluster):
    a, qa = connect(cluster["urls"][0], "news")
    b, qb = connect(cluster["urls"][1], "news")
    try:
        assert b.call("join", {"room": "readers"}, timeout=TIMEOUT) == "readers"
        # A Celery worker's code, unchanged: Flask-SocketIO write-only, through Redis.
        script = (
            "from flask_socketio import SocketIO\n"
            f"sio = SocketIO(message_queue={cluster['redis'].url!r}, channel={cluster['channel']!r})\n"
            "sio.emit('news', {'to': 'all'})\n"
            "sio.emit('news', {'to': 'readers'}, to='readers')\n"
            "sio.emit('news', b'\\x01\\x02', to='readers')\n"
        )
        subprocess.run([os.sys.executable, "-c", script], check=True, timeout=30)
        assert qa["news"].get(timeout=TIMEOUT) == ({"to": "all"},)
        assert qb["news"].get(timeout=TIMEOUT) == ({"to": "all"},)
        assert qb["news"].get(timeout=TIMEOUT) == ({"to": "readers"},)
        assert qb["news"].get(timeout=TIMEOUT) == (b"\x01\x02",)
        time.sleep(0.2)
        assert qa["news"].empty()
    finally:
        a.disconnect()
        b.disconnect()


def test_redis_going_away_and_coming_back(cluster):
    a, qa = connect(cluster["urls"][0], "hi")
    b, qb = connect(cluster["urls"][1], "hi")
    redis_server = cluster["redis"]
    try:
        assert a.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
        assert b.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
        redis_server.stop()
        # Each node keeps serving its own clients, and a broadcast still reaches local ones.
        assert a.call("echo", "still here", timeout=TIMEOUT) == "still here"
        assert b.call("to_room", {"room": "r", "event": "hi", "data": "while down"}, timeout=TIMEOUT) is True
        assert qb["hi"].get(timeout=TIMEOUT) == ("while down",)
        # A cluster-wide question fails quickly with an error instead of hanging.
        start = time.time()
        with pytest.raises(socketio.exceptions.TimeoutError):
            a.call("room_size", {"room": "r"}, timeout=2)
        assert time.time() - start < 3
        redis_server.start()
        # The nodes reconnect with backoff and resubscribe; cross-node delivery resumes.
        assert wait_for(lambda: a.call("server_count", timeout=1) == 2, timeout=20)
        while not qa["hi"].empty():
            qa["hi"].get_nowait()

        def delivered():
            b.call("to_room", {"room": "r", "event": "hi", "data": "after"}, timeout=TIMEOUT)
            try:
                return qa["hi"].get(timeout=0.5) == ("after",)
            except queue.Empty:
                return False

        assert wait_for(delivered, timeout=20)
    finally:
        a.disconnect()
        b.disconnect()
