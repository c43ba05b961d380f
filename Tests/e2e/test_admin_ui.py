"""The Admin UI's namespace (issue 14, item 3) driven the way @socket.io/admin-ui 0.5 drives it,
with python-socketio standing in for the UI: `socketio-server e2e --admin-auth ...` alone, and
two of them clustered through a real redis-server, where an admin on server A sees and
disconnects a socket of server B (Node's instrument() does it with fetchSockets and the adapter).

The UI page itself, in headless Chromium, is Tests/js/admin-ui-browser.cjs."""
import queue
import subprocess
import time

import bcrypt
import pytest
import requests
import socketio

from conftest import _start_server, terminate
from test_e2e_redis import RedisServer

TIMEOUT = 10
NSP = "/socket-admin"


def admin_client(url, auth):
    """A python-socketio client on the admin namespace that queues every event it gets."""
    events = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("*", lambda event, *args: events.put((event, args)), namespace=NSP)
    client.connect(url, namespaces=[NSP], transports=["websocket"], auth=auth, wait_timeout=TIMEOUT)
    return client, events


def next_event(events, name, predicate=lambda args: True, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            event, args = events.get(timeout=max(0.05, deadline - time.time()))
        except queue.Empty:
            break
        if event == name and predicate(args):
            return args
    raise AssertionError(f"no {name} event")


@pytest.fixture(scope="module")
def admin_server():
    proc, url = _start_server("--admin-auth", "admin:changeit", "--admin-namespace", NSP)
    yield url
    assert terminate(proc) == 0


def test_login_lists_sockets_and_rooms_and_disconnects_one(admin_server):
    user = socketio.Client(reconnection=False)
    disconnected = queue.Queue()
    user.on("disconnect", lambda *args: disconnected.put(args))
    user.connect(admin_server, transports=["polling"], wait_timeout=TIMEOUT)
    user.call("join", {"room": "lobby"}, timeout=TIMEOUT)
    sid = user.get_sid("/")
    admin, events = admin_client(admin_server, {"username": "admin", "password": "changeit"})
    try:
        (session,) = next_event(events, "session")
        (config,) = next_event(events, "config")
        assert "MDISCONNECT" in config["supportedFeatures"] and "ALL_EVENTS" in config["supportedFeatures"]
        (sockets,) = next_event(events, "all_sockets")
        mine = [s for s in sockets if s["id"] == sid]
        assert mine, sockets
        assert mine[0]["nsp"] == "/" and "lobby" in mine[0]["rooms"] and sid in mine[0]["rooms"]
        assert mine[0]["transport"] == "polling"
        assert "auth" not in mine[0]["handshake"]
        (stats,) = next_event(events, "server_stats")
        assert stats["clientsCount"] >= 2 and stats["pollingClientsCount"] >= 1
        assert {"name": "/", "socketsCount": 1} in stats["namespaces"]
        user.emit("echo", "hello")
        args = next_event(events, "event_received", lambda a: a[1] == sid)
        assert args[2] == ["echo", "hello"]
        admin.emit("_disconnect", ("/", False, sid), namespace=NSP)
        assert disconnected.get(timeout=TIMEOUT) is not None
        args = next_event(events, "socket_disconnected", lambda a: a[1] == sid)
        assert args[0] == "/" and args[2] == "server namespace disconnect"
        # The session id logs a reconnecting UI in without the password.
        again, _ = admin_client(admin_server, {"sessionId": session})
        again.disconnect()
    finally:
        admin.disconnect()
        user.disconnect()


@pytest.mark.parametrize("auth", [None, {}, {"username": "admin", "password": "wrong"}, {"username": "admin"},
                                  {"username": ["admin"], "password": {"x": 1}}, {"sessionId": "f" * 16},
                                  {"username": "admin", "password": "p" * 100_000}])
def test_bad_credentials_get_connect_error(admin_server, auth):
    client = socketio.Client(reconnection=False)
    errors = queue.Queue()
    client.on("connect_error", lambda data: errors.put(data), namespace=NSP)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(admin_server, namespaces=[NSP], transports=["websocket"], auth=auth, wait_timeout=TIMEOUT)
    assert errors.get(timeout=TIMEOUT)["message"] in ("invalid credentials", "too many failed logins, try again later")
    client.disconnect()


def test_credentialed_cors_echoes_the_origin(admin_server):
    response = requests.get(admin_server + "/socket.io/?EIO=4&transport=polling",
                            headers={"Origin": "https://admin.socket.io"}, timeout=TIMEOUT)
    assert response.headers["access-control-allow-origin"] == "https://admin.socket.io"
    assert response.headers["access-control-allow-credentials"] == "true"


def run_server(*args):
    binary = __import__("os").environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
    return subprocess.run([binary, *args, "--port", "0"], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("args, message", [
    (["e2e", "--admin-auth", "admin:x"], "choose another"),
    (["demo", "--admin-auth", "nocolon"], "USER:PASSWORD"),
    (["demo", "--admin-auth", ":pw"], "USER:PASSWORD"),
    (["demo", "--admin-auth", "admin:$2b$10$tooshort"], "60 characters"),
    (["demo", "--admin-auth", "admin:$2b$31$" + "a" * 53], "outside 4...14"),
    (["demo", "--admin-auth", "admin:$2b$10$" + "!" * 53], "alphabet"),
    (["demo", "--admin-auth", "admin:" + "$2" * 50_000], "too long"),
    (["demo", "--admin-auth", "admin:" + "x" * 73], "72 bytes"),
    (["demo", "--admin-ui-dir", "/tmp"], "needs --admin-auth"),
    (["demo", "--admin-auth", "none", "--admin-ui-dir", "/nonexistent/dist"], "is not a folder"),
])
def test_bad_admin_options_fail_at_start(args, message):
    result = run_server(*args)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr


def test_a_bcrypt_hash_from_python_is_accepted(tmp_path):
    hashed = bcrypt.hashpw(b"from-python", bcrypt.gensalt(rounds=5)).decode()
    proc, url = _start_server("--admin-auth", "ops:" + hashed, "--admin-namespace", NSP, "--admin-readonly", "true")
    try:
        admin, events = admin_client(url, {"username": "ops", "password": "from-python"})
        (config,) = next_event(events, "config")
        assert config["supportedFeatures"] == ["AGGREGATED_EVENTS", "ALL_EVENTS"]
        admin.disconnect()
    finally:
        assert terminate(proc) == 0


def test_across_a_redis_cluster():
    """An admin on server A lists a socket of server B, and disconnects it."""
    redis = RedisServer()
    redis.start()
    common = ("--redis", redis.url, "--redis-key", "admin-e2e", "--admin-auth", "admin:changeit", "--admin-namespace", NSP)
    a, url_a = _start_server(*common)
    b, url_b = _start_server(*common)
    try:
        user = socketio.Client(reconnection=False)
        disconnected = queue.Queue()
        user.on("disconnect", lambda *args: disconnected.put(args))
        user.connect(url_b, transports=["websocket"], wait_timeout=TIMEOUT)
        user.call("join", {"room": "blue"}, timeout=TIMEOUT)
        sid = user.get_sid("/")
        admin, events = admin_client(url_a, {"username": "admin", "password": "changeit"})
        (sockets,) = next_event(events, "all_sockets")
        remote = [s for s in sockets if s["id"] == sid]
        assert remote, sockets
        assert "blue" in remote[0]["rooms"] and remote[0]["transport"] == "websocket" and len(remote[0]["clientId"]) == 12
        # Both servers report their stats to the admin on A.
        seen = set()
        deadline = time.time() + TIMEOUT
        while len(seen) < 2 and time.time() < deadline:
            (stats,) = next_event(events, "server_stats")
            seen.add(stats["pid"])
        assert len(seen) == 2
        # B's events reach A's admin through the adapter.
        user.emit("echo", "from B")
        assert next_event(events, "event_received", lambda a: a[1] == sid)[2] == ["echo", "from B"]
        admin.emit("join", ("/", "green", sid), namespace=NSP)
        assert next_event(events, "room_joined", lambda a: a[1] == "green")[2] == sid
        admin.emit("_disconnect", ("/", False, sid), namespace=NSP)
        assert disconnected.get(timeout=TIMEOUT) is not None
        assert next_event(events, "socket_disconnected", lambda a: a[1] == sid)[2] == "server namespace disconnect"
        admin.disconnect()
    finally:
        terminate(a)
        terminate(b)
        redis.stop()


def test_admin_ui_dir_serves_files_and_refuses_escapes(tmp_path):
    """--admin-ui-dir: the UI's files at /admin/ with their content types; `..`, encoded
    escapes, hidden files, links out of the folder and garbage get 404 (or 400), never a file
    from outside."""
    import http.client
    ui = tmp_path / "dist"
    (ui / "js").mkdir(parents=True)
    (ui / "index.html").write_text("<title>Socket.IO Admin UI</title>")
    (ui / "js" / "app.js").write_text("console.log(1)")
    (ui / ".env").write_text("SECRET=1")
    (tmp_path / "secret.txt").write_text("outside")
    (ui / "link.txt").symlink_to(tmp_path / "secret.txt")
    proc, url = _start_server("--admin-auth", "admin:changeit", "--admin-namespace", NSP, "--admin-ui-dir", str(ui))
    host, port = url.rsplit("//", 1)[1].split(":")

    def get(path):
        conn = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, response.getheader("content-type"), body

    try:
        status, kind, body = get("/admin/")
        assert status == 200 and kind.startswith("text/html") and b"Admin UI" in body
        status, kind, _ = get("/admin/js/app.js")
        assert status == 200 and "javascript" in kind
        for path in ["/admin/../secret.txt", "/admin/%2e%2e/secret.txt", "/admin/..%2fsecret.txt", "/admin/link.txt",
                     "/admin/.env", "/admin/js/../../secret.txt", "/admin/%00", "/admin/" + "a/" * 3000,
                     "/admin/%ff%fe", "/admin/js/app.js%00.html", "/admin/nope.js", "/admin//etc/passwd"]:
            status, _, body = get(path)
            assert status in (400, 404, 414, 431), (path, status)
            assert b"outside" not in body and b"SECRET" not in body and b"root:" not in body
    finally:
        assert terminate(proc) == 0


def test_an_upgrade_is_reported(admin_server):
    """A polling client that upgrades to WebSocket later (Node's socket_updated). Raw Engine.IO,
    so that the upgrade surely comes after the Socket.IO CONNECT."""
    import json
    import websocket
    admin, events = admin_client(admin_server, {"username": "admin", "password": "changeit"})
    ws = None
    try:
        next_event(events, "all_sockets")
        base = admin_server + "/socket.io/?EIO=4&transport=polling"
        open_packet = requests.get(base, timeout=TIMEOUT).text
        engine_sid = json.loads(open_packet[1:])["sid"]
        assert requests.post(base + "&sid=" + engine_sid, data="40", timeout=TIMEOUT).text == "ok"
        reply = requests.get(base + "&sid=" + engine_sid, timeout=TIMEOUT).text
        connect = next(packet for packet in reply.split("\x1e") if packet.startswith("40"))
        sid = json.loads(connect[2:])["sid"]
        connected = next_event(events, "socket_connected", lambda a: a[0]["id"] == sid)[0]
        assert connected["transport"] == "polling"
        ws = websocket.create_connection(admin_server.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket&sid=" + engine_sid,
                                         timeout=TIMEOUT)
        ws.send("2probe")
        assert ws.recv() == "3probe"
        ws.send("5")
        (updated,) = next_event(events, "socket_updated", lambda a: a[0]["id"] == sid)
        assert updated == {"id": sid, "nsp": "/", "transport": "websocket"}
    finally:
        if ws is not None:
            ws.close()
        admin.disconnect()


def test_options_from_the_environment_and_a_config_file(tmp_path, monkeypatch):
    """SOCKETIO_ADMIN_* variables and config keys, like every other option; the hash in the
    config file (the way docs/operations.md tells sites to keep it)."""
    hashed = bcrypt.hashpw(b"in-a-file", bcrypt.gensalt(rounds=4)).decode()
    config = tmp_path / "socketio.conf"
    config.write_text(f"admin-auth = ops:{hashed}\nadmin-mode = production\n")
    monkeypatch.setenv("SOCKETIO_CONFIG", str(config))
    monkeypatch.setenv("SOCKETIO_ADMIN_NAMESPACE", "/from-env")
    proc, url = _start_server()
    try:
        client = socketio.Client(reconnection=False)
        events = queue.Queue()
        client.on("*", lambda event, *args: events.put((event, args)), namespace="/from-env")
        client.connect(url, namespaces=["/from-env"], transports=["websocket"],
                       auth={"username": "ops", "password": "in-a-file"}, wait_timeout=TIMEOUT)
        (config_event,) = next_event(events, "config")
        assert "ALL_EVENTS" not in config_event["supportedFeatures"]
        client.disconnect()
    finally:
        assert terminate(proc) == 0
