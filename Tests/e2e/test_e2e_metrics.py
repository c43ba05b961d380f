"""Prometheus metrics (issue 14): python-socketio clients connect, emit, time out an ack and are
refused; `/metrics` of a running `socketio-server e2e` shows it. Also the bearer token guard, the
answers to garbage on `/metrics`, and `--metrics off`."""
import re
import socket
import time

import pytest
import requests
import socketio

from conftest import _start_server, terminate

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@pytest.fixture(scope="module")
def metrics_server():
    proc, url = _start_server("--metrics-token", TOKEN)
    yield url
    assert terminate(proc) == 0


@pytest.fixture(scope="module")
def quiet_server():
    proc, url = _start_server("--metrics", "off")
    yield url
    assert terminate(proc) == 0


def scrape(url):
    response = requests.get(url + "/metrics", headers=AUTH, timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        labels = frozenset(LABEL.findall(match.group(3) or ""))
        samples[(match.group(1), labels)] = float(match.group(4))
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for(url, predicate, timeout=5):
    deadline = time.time() + timeout
    while True:
        samples = scrape(url)
        if predicate(samples) or time.time() > deadline:
            return samples
        time.sleep(0.05)


def test_counters_follow_python_socketio_clients(metrics_server):
    url = metrics_server
    before = scrape(url)
    ws = socketio.Client(reconnection=False)
    polling = socketio.Client(reconnection=False)
    answers = []

    @ws.on("question")
    def late(*_):
        time.sleep(0.6)  # the server waits 200 ms
        return "too late"

    ws.on("answer", lambda answer: answers.append(answer))
    ws.connect(url, transports=["websocket"], wait_timeout=5)
    polling.connect(url, transports=["polling"], wait_timeout=5)
    try:
        for index in range(5):
            assert ws.call("echo", index, timeout=5) == index
            assert polling.call("echo", index, timeout=5) == index
        ws.emit("ask_briefly")
        deadline = time.time() + 5
        while not answers and time.time() < deadline:
            time.sleep(0.05)
        assert answers == [{"error": "timeout"}]

        during = wait_for(url, lambda s: value(s, "socketio_acks_timed_out_total", namespace="/")
                          > value(before, "socketio_acks_timed_out_total", namespace="/"))
        grew = lambda name, by=1, **labels: value(during, name, **labels) - value(before, name, **labels) >= by
        assert grew("engineio_sessions_open", transport="websocket")
        assert grew("engineio_sessions_open", transport="polling")
        assert grew("socketio_sockets_connected", 2, namespace="/")
        assert grew("socketio_event_handler_duration_seconds_count", 11, namespace="/")
        assert grew("socketio_acks_timed_out_total", namespace="/")
        # The latency histogram has its buckets, from 50 µs, and +Inf holds every event.
        assert ("socketio_event_handler_duration_seconds_bucket", frozenset({("namespace", "/"), ("le", "0.00005")})) in during
        assert value(during, "socketio_event_handler_duration_seconds_bucket", namespace="/", le="+Inf") == \
            value(during, "socketio_event_handler_duration_seconds_count", namespace="/")
    finally:
        ws.disconnect()
        polling.disconnect()

    after = wait_for(url, lambda s: value(s, "socketio_sockets_connected", namespace="/")
                     == value(before, "socketio_sockets_connected", namespace="/"))
    assert value(after, "socketio_sockets_connected", namespace="/") == value(before, "socketio_sockets_connected", namespace="/")
    assert value(after, "engineio_sessions_open", transport="websocket") == value(before, "engineio_sessions_open", transport="websocket")
    # A session adds its packets and bytes to the counters as it ends (and every 64 packets,
    # and at each heartbeat).
    after = wait_for(url, lambda s: value(s, "engineio_packets_received_total") - value(before, "engineio_packets_received_total") >= 13)
    grew = lambda name, by: value(after, name) - value(before, name) >= by
    assert grew("engineio_packets_received_total", 13)
    assert grew("engineio_packets_sent_total", 13)
    assert grew("engineio_received_bytes_total", 100)
    assert grew("engineio_sent_bytes_total", 100)


def test_refusals_count_by_reason(metrics_server):
    url = metrics_server
    before = scrape(url)
    # Engine.IO v3 is refused with code 5 (Node's UNSUPPORTED_PROTOCOL_VERSION).
    assert requests.get(url + "/socket.io/?EIO=3&transport=polling", timeout=5).status_code == 400
    assert requests.get(url + "/socket.io/?EIO=4&transport=carrier-pigeon", timeout=5).status_code == 400
    # Middleware (the e2e app's /admin wants a token) and an unknown namespace: CONNECT_ERROR.
    for namespace in ["/admin", "/no-such-namespace"]:
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(url, namespaces=[namespace], transports=["websocket"], wait_timeout=5)
        client.disconnect()
    after = wait_for(url, lambda s: value(s, "socketio_connects_refused_total", namespace="", reason="invalid_namespace")
                     > value(before, "socketio_connects_refused_total", namespace="", reason="invalid_namespace"))
    delta = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)
    assert delta("engineio_handshakes_refused_total", reason="unsupported_protocol_version") == 1
    assert delta("engineio_handshakes_refused_total", reason="transport_unknown") == 1
    assert delta("socketio_connects_refused_total", namespace="/admin", reason="middleware") == 1
    assert delta("socketio_connects_refused_total", namespace="", reason="invalid_namespace") == 1
    assert not any("no-such-namespace" in str(key) for key in after), "a client's namespace name became a label"


def test_token_guard(metrics_server):
    url = metrics_server + "/metrics"
    for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {TOKEN}x"},
                    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"}]:
        response = requests.get(url, headers=headers, timeout=5)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "engineio_" not in response.text
    assert requests.get(url, headers={"Authorization": f"bearer {TOKEN}"}, timeout=5).status_code == 200


def raw_request(url, data):
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(data)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
    return int(reply.split(b" ", 2)[1])


def test_garbage_on_the_metrics_path_gets_a_clear_4xx(metrics_server):
    url = metrics_server
    assert requests.post(url + "/metrics", headers=AUTH, data=b"x" * 1000, timeout=5).status_code == 405
    assert requests.delete(url + "/metrics", headers=AUTH, timeout=5).status_code == 405
    # A query string is ignored (Prometheus' `params`), but not a missing token.
    assert requests.get(url + "/metrics?format=%ff&x", headers=AUTH, timeout=5).status_code == 200
    assert requests.get(url + "/metrics?format=%ff&x", timeout=5).status_code == 401
    # A huge URI and huge headers are refused by the HTTP server's limits.
    assert raw_request(url, b"GET /metrics?" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n") == 414
    assert raw_request(url, b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"j" * 40000 + b"\r\n\r\n") == 431
    # Two Authorization headers are one too many, even if one is right.
    assert raw_request(url, b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
                       + b"\r\nAuthorization: Bearer nope\r\n\r\n") == 401
    # A header line that is not HTTP.
    assert raw_request(url, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\x00\x01garbage\r\n\r\n") == 400
    # The server still answers.
    assert requests.get(url + "/metrics", headers=AUTH, timeout=5).status_code == 200


def test_metrics_off_is_a_404(quiet_server):
    assert requests.get(quiet_server + "/metrics", timeout=5).status_code == 404
    assert requests.get(quiet_server + "/health", timeout=5).status_code == 200
    client = socketio.Client(reconnection=False)
    client.connect(quiet_server, transports=["websocket"], wait_timeout=5)
    assert client.call("echo", "still works", timeout=5) == "still works"
    client.disconnect()


def test_redis_publishes_dropped_and_reconnects(tmp_path):
    """A real redis-server goes away and comes back: broadcasts meanwhile are dropped (counted),
    and the connections' return is counted."""
    from test_e2e_redis import RedisServer

    redis = RedisServer()
    redis.start()
    proc, url = _start_server("--redis", redis.url, "--metrics-token", TOKEN)
    try:
        client = socketio.Client(reconnection=False)
        client.connect(url, transports=["websocket"], wait_timeout=5)
        before = scrape(url)
        redis.stop()
        time.sleep(0.3)
        for index in range(3):
            client.emit("broadcast", index)
        during = wait_for(url, lambda s: value(s, "socketio_redis_publishes_dropped_total")
                          >= value(before, "socketio_redis_publishes_dropped_total") + 3)
        assert value(during, "socketio_redis_publishes_dropped_total") - value(before, "socketio_redis_publishes_dropped_total") >= 3
        redis.start()
        after = wait_for(url, lambda s: value(s, "socketio_redis_reconnects_total", role="publisher") >= 1
                         and value(s, "socketio_redis_reconnects_total", role="subscriber") >= 1, timeout=15)
        assert value(after, "socketio_redis_reconnects_total", role="publisher") >= 1
        assert value(after, "socketio_redis_reconnects_total", role="subscriber") >= 1
        client.disconnect()
    finally:
        assert terminate(proc) == 0
        redis.stop()
