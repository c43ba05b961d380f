"""TLS on the server's one port (issue 14, item 1): python-socketio over https:// and wss://
against a CA that scripts/make-test-ca.sh makes with openssl; SIGHUP reloads; what hostile
clients of the TLS port get; the start-up checks of --tls-cert and --tls-key."""
import asyncio
import os
import pathlib
import queue
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import aiohttp
import pytest
import requests
import socketio

from conftest import TRANSPORTS, terminate

TIMEOUT = 5
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def ca(tmp_path_factory):
    """A throwaway CA and certificates in a temporary folder (never committed), or the one of
    the server SOCKETIO_TLS_SERVER_URL names (scripts/portability-test.sh)."""
    if os.environ.get("SOCKETIO_TLS_CA"):
        return pathlib.Path(os.environ["SOCKETIO_TLS_CA"])
    directory = tmp_path_factory.mktemp("tls-ca")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-ca.sh"), str(directory)], check=True, stdout=subprocess.DEVNULL)
    return directory


class TLSServer:
    """`socketio-server e2e` with TLS; its log lines (standard error) are collected."""

    def __init__(self, cert, key, *extra):
        binary = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
        self.proc = subprocess.Popen(
            [binary, "e2e", "--host", "127.0.0.1", "--port", "0", "--log-level", "info", "--drain-timeout", "1000",
             "--tls-cert", str(cert), "--tls-key", str(key), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(line.rsplit(":", 1)[1])
        self.url = f"https://localhost:{self.port}"
        self.logs = queue.Queue()
        threading.Thread(target=self._read_logs, daemon=True).start()

    def _read_logs(self):
        for line in self.proc.stderr:
            self.logs.put(line)

    def wait_log(self, text, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.logs.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if text in line:
                return line
        raise AssertionError(f"no log line with {text!r}")

    def stop(self):
        assert terminate(self.proc) == 0


class RunningServer:
    """A TLS server started elsewhere (under chroot by scripts/portability-test.sh)."""

    def __init__(self, url):
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])


STATIC_TEXT = "served over TLS\n" * 5000  # 80 KB: several TLS records


@pytest.fixture(scope="module")
def tls_server(ca, tmp_path_factory):
    if os.environ.get("SOCKETIO_TLS_SERVER_URL"):
        yield RunningServer(os.environ["SOCKETIO_TLS_SERVER_URL"])
        return
    www = tmp_path_factory.mktemp("www")
    (www / "page.txt").write_text(STATIC_TEXT)
    server = TLSServer(ca / "fullchain.pem", ca / "server.key", "--static-dir", str(www))
    yield server
    server.stop()


def verified_session(ca):
    session = requests.Session()
    session.verify = str(ca / "ca.pem")
    # requests lets REQUESTS_CA_BUNDLE (set on many CI machines) win over `verify`.
    session.trust_env = False
    return session


def connect(ca, url, transports):
    # python-engineio takes the CA from the requests session: `verify` for HTTPS polling, and
    # it hands the same path to websocket-client as `ca_certs` for wss://.
    client = socketio.Client(reconnection=False, http_session=verified_session(ca))
    client.connect(url, transports=transports, wait_timeout=TIMEOUT)
    return client


def test_python_client_over_https_and_wss(ca, tls_server, transports):
    client = connect(ca, tls_server.url, transports)
    try:
        assert client.call("echo", {"over": "tls", "n": [1, 2]}, timeout=TIMEOUT) == {"over": "tls", "n": [1, 2]}
        assert client.call("echo", b"\x00\xffbinary", timeout=TIMEOUT) == b"\x00\xffbinary"
        assert client.transport() == transports[-1]
        # Node's `handshake.secure` (issue 15): the connection came over TLS.
        handshake = client.call("handshake", timeout=TIMEOUT)
        assert handshake["secure"] is True and handshake["address"] == "127.0.0.1"
    finally:
        client.disconnect()


def test_async_client_over_wss(ca, tls_server):
    async def run():
        context = ssl.create_default_context(cafile=str(ca / "ca.pem"))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as http:
            client = socketio.AsyncClient(reconnection=False, http_session=http)
            await client.connect(tls_server.url, transports=["polling", "websocket"], wait_timeout=TIMEOUT)
            try:
                await asyncio.sleep(0.3)  # the upgrade
                assert client.transport() == "websocket"
                assert await client.call("echo", "async", timeout=TIMEOUT) == "async"
            finally:
                await client.disconnect()

    asyncio.run(run())


def test_alpn_offers_http11_and_the_chain_is_served(ca, tls_server):
    context = ssl.create_default_context(cafile=str(ca / "ca.pem"))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.selected_alpn_protocol() == "http/1.1"
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
            tls.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            assert tls.recv(4096).startswith(b"HTTP/1.1 200")


def test_static_files_over_tls(ca, tls_server):
    if isinstance(tls_server, RunningServer):
        pytest.skip("the chrooted server has no --static-dir")
    # Files go out with sendfile on plain HTTP; over TLS they must be read and encrypted (a
    # FileRegion reaching the TLS handler crashed the server).
    session = verified_session(ca)
    response = session.get(tls_server.url + "/static/page.txt", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.text == STATIC_TEXT
    head = session.head(tls_server.url + "/static/page.txt", timeout=TIMEOUT)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(STATIC_TEXT))
    assert session.get(tls_server.url + "/static/missing.txt", timeout=TIMEOUT).status_code == 404


def test_an_untrusted_client_is_refused_by_the_client_check(tls_server):
    # Without the CA, verification fails on the client: proof that the server's certificate
    # is the test CA's, not something a client trusts by accident.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_server.url + "/health", timeout=TIMEOUT)


def tls_health(ca, port):
    return requests.get(f"https://localhost:{port}/health", verify=str(ca / "ca.pem"), timeout=TIMEOUT)


def test_plain_http_to_the_tls_port_is_closed_and_others_go_on(ca, tls_server):
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=TIMEOUT) as raw:
        raw.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        # The server closes without an HTTP answer (the bytes are not a TLS record).
        data = b""
        while True:
            chunk = raw.recv(4096)
            if not chunk:
                break
            data += chunk
        assert not data.startswith(b"HTTP/")
    assert tls_health(ca, tls_server.port).status_code == 200


def test_garbage_client_hello_is_closed(ca, tls_server):
    client = connect(ca, tls_server.url, ["websocket"])
    try:
        for garbage in [
            b"\x16\x03\x01\x00\x05\xff\xff\xff\xff\xff",  # a handshake record holding no ClientHello
            b"\x16\x03\x01\xff\xff" + b"\x00" * 64,  # a record longer than TLS allows, cut short
            os.urandom(4096),
        ]:
            with socket.create_connection(("127.0.0.1", tls_server.port), timeout=TIMEOUT) as raw:
                raw.sendall(garbage)
                raw.settimeout(TIMEOUT)
                try:
                    while raw.recv(4096):
                        pass  # an alert, then the close
                except ConnectionResetError:
                    pass
        # The client that was there all along still works.
        assert client.call("echo", "still here", timeout=TIMEOUT) == "still here"
    finally:
        client.disconnect()
    assert tls_health(ca, tls_server.port).status_code == 200


def test_a_client_that_never_finishes_the_handshake_is_closed(ca):
    server = TLSServer(ca / "fullchain.pem", ca / "server.key", "--tls-handshake-timeout", "500", "--keep-alive-timeout", "60000")
    try:
        client = connect(ca, server.url, ["websocket"])
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        # Half a ClientHello: the record header promises more than comes.
        trickle = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        trickle.sendall(b"\x16\x03\x01\x02\x00\x01")
        started = time.time()
        for sock in (silent, trickle):
            sock.settimeout(TIMEOUT)
            assert sock.recv(1) == b""  # closed by the server
        assert time.time() - started < 3
        silent.close()
        trickle.close()
        # The handshake timeout ends handshakes, not connections: the client that finished
        # its handshake long ago is still there.
        time.sleep(0.6)
        assert client.call("echo", "after", timeout=TIMEOUT) == "after"
        client.disconnect()
    finally:
        server.stop()


def peer_certificate_serial(ca, port):
    context = ssl.create_default_context(cafile=str(ca / "ca.pem"))
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.getpeercert()["serialNumber"], tls.getpeercert()["notAfter"]


def openssl_field(path, field):
    out = subprocess.run(["openssl", "x509", "-in", str(path), "-noout", f"-{field}"], check=True, capture_output=True, text=True)
    return out.stdout.strip().split("=", 1)[1]


def test_sighup_reloads_the_certificate_without_dropping_connections(ca, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    shutil.copy(ca / "fullchain.pem", cert)
    shutil.copy(ca / "server.key", key)
    server = TLSServer(cert, key)
    try:
        server.wait_log("TLS certificate loaded")
        before, _ = peer_certificate_serial(ca, server.port)
        assert before == openssl_field(ca / "server.pem", "serial").upper()
        websocket = connect(ca, server.url, ["websocket"])
        polling = connect(ca, server.url, ["polling"])

        # A renewal: the files are replaced (as certbot's deploy hook would), then SIGHUP.
        shutil.copy(ca / "renewed.pem", cert)
        shutil.copy(ca / "renewed.key", key)
        server.proc.send_signal(signal.SIGHUP)
        line = server.wait_log("TLS certificate reloaded")
        # The log gives the new expiry (notAfter), in UTC.
        expiry = openssl_field(ca / "renewed.pem", "enddate")  # "Dec  5 19:05:05 2026 GMT"
        month, day, clock, year = expiry.split()[:4]
        assert f"{year}-" in line and f"T{clock}Z" in line, line

        after, _ = peer_certificate_serial(ca, server.port)
        assert after == openssl_field(ca / "renewed.pem", "serial").upper()
        # Connections made before the reload go on with their sessions.
        assert websocket.call("echo", "old session", timeout=TIMEOUT) == "old session"
        assert polling.call("echo", "old polling session", timeout=TIMEOUT) == "old polling session"
        fresh = connect(ca, server.url, ["websocket"])
        assert fresh.call("echo", "new session", timeout=TIMEOUT) == "new session"

        # A reload that fails (a half-written file) keeps the certificate in use.
        cert.write_text("-----BEGIN CERTIFICATE-----\ngarbage\n")
        server.proc.send_signal(signal.SIGHUP)
        server.wait_log("TLS reload failed")
        assert server.proc.poll() is None
        assert peer_certificate_serial(ca, server.port)[0] == after
        # A key that does not match: refused as well.
        shutil.copy(ca / "renewed.pem", cert)
        shutil.copy(ca / "other.key", key)
        server.proc.send_signal(signal.SIGHUP)
        server.wait_log("TLS reload failed")
        assert peer_certificate_serial(ca, server.port)[0] == after
        assert websocket.call("echo", "still", timeout=TIMEOUT) == "still"
        for client in (websocket, polling, fresh):
            client.disconnect()
    finally:
        server.stop()


@pytest.mark.parametrize(
    "cert,key,message",
    [
        ("missing.pem", "server.key", "cannot read the certificate file"),
        ("server.pem", "missing.key", "cannot read the private key file"),
        ("garbage", "server.key", "no PEM certificate"),
        ("server.pem", "garbage", "no PEM private key"),
        ("server.pem", "other.key", "does not go with the certificate"),
        ("server.pem", "", "--tls-cert needs --tls-key"),
    ],
)
def test_bad_certificate_files_stop_the_start_with_a_clear_error(ca, tmp_path, cert, key, message):
    (tmp_path / "garbage").write_bytes(os.urandom(300))

    def path(name):
        if not name:
            return ""
        return str(ca / name) if (ca / name).exists() or name.startswith("missing") else str(tmp_path / name)

    binary = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
    result = subprocess.run(
        [binary, "e2e", "--port", "0", "--tls-cert", path(cert), "--tls-key", path(key)],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 78, result
    assert message in result.stderr, result.stderr
    assert "listening on" not in result.stdout


def test_environment_variables_configure_tls(ca):
    binary = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
    env = dict(os.environ, SOCKETIO_TLS_CERT=str(ca / "fullchain.pem"), SOCKETIO_TLS_KEY=str(ca / "server.key"))
    proc = subprocess.Popen([binary, "e2e", "--port", "0", "--log-level", "error"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
        assert tls_health(ca, port).text == "ok"
    finally:
        assert terminate(proc) == 0


def test_sighup_without_tls_is_logged_and_ignored():
    binary = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
    proc = subprocess.Popen([binary, "e2e", "--port", "0", "--log-level", "info"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
        # Sent at once: SIGHUP is trapped before the server says it listens.
        proc.send_signal(signal.SIGHUP)
        deadline = time.time() + TIMEOUT
        seen = False
        while time.time() < deadline and not seen:
            try:
                seen = "SIGHUP: nothing to reload" in lines.get(timeout=0.5)
            except queue.Empty:
                pass
        assert seen
        assert proc.poll() is None
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=TIMEOUT).text == "ok"
    finally:
        assert terminate(proc) == 0
