"""Redis as deployments run it (issue 14, item 5): a redis-server 7 with TLS only
(`--port 0 --tls-port`), its certificate from a throwaway CA (scripts/make-test-ca.sh), the
`default` user off and an ACL user `site`. Two `socketio-server e2e` nodes join over
`rediss://site:…@localhost` with `--redis-ca-file`, on the pub/sub and on the streams adapter;
CLIENT LIST shows the names they set; a wrong password is a clear error, not a crash or a hot loop."""
import os
import queue
import shutil
import socket
import subprocess
import threading
import time

import pytest
import redis
import socketio

from conftest import connect_recording, terminate

TIMEOUT = 5
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "s3cr3t-Pw"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    directory = tmp_path_factory.mktemp("redis-tls-ca")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-ca.sh"), str(directory)], check=True, stdout=subprocess.DEVNULL)
    return directory


@pytest.fixture(scope="module")
def tls_redis(ca):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is needed: apt-get install redis-server")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
         "--tls-cert-file", str(ca / "redis.pem"), "--tls-key-file", str(ca / "redis.key"),
         "--tls-ca-cert-file", str(ca / "ca.pem"), "--tls-auth-clients", "no",
         "--save", "", "--appendonly", "no", "--loglevel", "warning",
         # The default user off: only the ACL user gets in.
         "--user", "default", "off",
         "--user", "site", "on", f">{PASSWORD}", "~*", "&*", "+@all"],
        stdout=subprocess.DEVNULL)
    client = redis.Redis(host="localhost", port=port, username="site", password=PASSWORD, ssl=True,
                         ssl_ca_certs=str(ca / "ca.pem"), socket_timeout=2)
    deadline = time.time() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if time.time() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    yield {"port": port, "client": client}
    terminate(proc)


class Node:
    def __init__(self, *args):
        binary = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
        self.proc = subprocess.Popen([binary, "e2e", "--port", "0", "--log-level", "info", "--drain-timeout", "500", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r} {self.proc.stderr.read()}")
        self.url = "http://127.0.0.1:" + line.rsplit(":", 1)[1]
        self.lines = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stderr), daemon=True)
        self.reader.start()

    def log(self):
        return "".join(self.lines)

    def stop(self):
        code = terminate(self.proc)
        self.reader.join(timeout=5)
        return code


def rediss(port, password=PASSWORD, host="localhost"):
    return f"rediss://site:{password}@{host}:{port}/0"


def wait_for(condition, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return True
        except socketio.exceptions.TimeoutError:
            pass
        time.sleep(0.05)
    return False


def client_names(client):
    return sorted(entry["name"] for entry in client.client_list() if entry["name"])


@pytest.mark.parametrize("adapter", ["pubsub", "streams"])
def test_two_servers_over_rediss_with_an_acl_user(ca, tls_redis, adapter):
    key = f"sio-tls-{adapter}-{os.getpid()}"
    common = ["--redis-adapter", adapter, "--redis-key", key, "--redis-ca-file", str(ca / "ca.pem")]
    # One node by host name (checked against the certificate's DNS name), one by address
    # (checked against its IP entry); one with the default client name, one with its own.
    a = Node("--redis", rediss(tls_redis["port"]), *common)
    b = Node("--redis", rediss(tls_redis["port"], host="127.0.0.1"), "--redis-client-name", "site-b", *common)
    try:
        ca_client, qa = connect_recording(a.url, "hi", transports=("polling", "websocket"))
        cb_client, qb = connect_recording(b.url, "hi")
        try:
            assert wait_for(lambda: ca_client.call("server_count", timeout=TIMEOUT) == 2)
            assert ca_client.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
            assert cb_client.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
            assert cb_client.call("to_room", {"room": "r", "event": "hi", "data": {"over": "rediss"}}, timeout=TIMEOUT) is True
            assert qa["hi"].get(timeout=TIMEOUT) == ({"over": "rediss"},)
            assert qb["hi"].get(timeout=TIMEOUT) == ({"over": "rediss"},)
            assert ca_client.call("room_size", {"room": "r"}, timeout=TIMEOUT) == 2
        finally:
            ca_client.disconnect()
            cb_client.disconnect()
        names = client_names(tls_redis["client"])
        users = {entry["user"] for entry in tls_redis["client"].client_list()}
        assert users == {"site"}, users
        if adapter == "pubsub":
            assert {"socketio-server-pub", "socketio-server-sub", "site-b-pub", "site-b-sub"} <= set(names), names
        else:
            # Streams names carry the node's uid: socketio-server-<uid>-pub, -sub, -read.
            for prefix in ("socketio-server-", "site-b-"):
                for role in ("-pub", "-sub", "-read"):
                    assert any(n.startswith(prefix) and n.endswith(role) for n in names), (prefix, role, names)
    finally:
        assert a.stop() == 0
        assert b.stop() == 0
    for node in (a, b):
        assert PASSWORD not in node.log()


def test_a_wrong_password_is_a_clear_error_not_a_hot_loop(ca, tls_redis):
    before = int(tls_redis["client"].info("stats")["total_connections_received"])
    node = Node("--redis", rediss(tls_redis["port"], password="wrong-pw-123"), "--redis-ca-file", str(ca / "ca.pem"))
    try:
        time.sleep(3)
        assert node.proc.poll() is None  # still serving
        log = node.log()
        # Once per outage and per connection (publisher, subscriber), not once per attempt.
        assert 1 <= log.count("redis refused the credentials") <= 2, log
        assert "WRONGPASS" in log, log
        assert "wrong-pw-123" not in log
        assert "rediss://site:***@localhost" in log, log
        # The backoff (50 ms doubling to 5 s): a handful of attempts in 3 s, not thousands.
        attempts = int(tls_redis["client"].info("stats")["total_connections_received"]) - before
        assert attempts <= 30, attempts
    finally:
        assert node.stop() == 0


def test_the_servers_certificate_is_verified(tls_redis):
    # Without --redis-ca-file the system's store is used, which does not know the test CA.
    node = Node("--redis", rediss(tls_redis["port"]))
    try:
        deadline = time.time() + 5
        while "cannot reach redis" not in node.log() and time.time() < deadline:
            time.sleep(0.05)
        log = node.log()
        assert "cannot reach redis" in log, log
        assert "certificate" in log.lower() or "handshake" in log.lower(), log
    finally:
        assert node.stop() == 0


def test_redis_ca_file_needs_rediss_and_must_be_readable(ca):
    binary = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
    for redis_url, ca_file, message in [
        ("redis://127.0.0.1:6379/0", str(ca / "ca.pem"), "--redis-ca-file needs a rediss:// URL"),
        ("rediss://127.0.0.1:6379/0", str(ca / "missing.pem"), "--redis-ca-file: cannot read"),
    ]:
        result = subprocess.run([binary, "e2e", "--port", "0", "--redis", redis_url, "--redis-ca-file", ca_file],
                                capture_output=True, text=True, timeout=10)
        assert result.returncode != 0
        assert message in result.stderr, result.stderr
