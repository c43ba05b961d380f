"""The deployable binary's life: configuration precedence, JSON logs, and a graceful
shutdown on SIGTERM (clients told to go, /health 503 while draining, exit 0)."""
import json
import os
import signal
import subprocess
import time

import requests
import socketio

BINARY = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
TIMEOUT = 5


def start(*args, env=None, port=0):
    proc = subprocess.Popen(
        [BINARY, "e2e", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    line = proc.stdout.readline()
    assert line.startswith("listening on "), (line, proc.stderr.read())
    return proc, f"http://127.0.0.1:{int(line.rsplit(':', 1)[1])}"


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=15)


def handshake(url):
    response = requests.get(url + "/socket.io/?EIO=4&transport=polling", timeout=TIMEOUT)
    return response, json.loads(response.text[1:]) if response.status_code == 200 else None


def test_sigterm_disconnects_every_client_and_exits_zero_within_the_drain_time():
    proc, url = start("--drain-timeout", "5000")
    gone = []
    clients = []
    for transports in (["websocket"], ["polling"], ["polling", "websocket"]):
        client = socketio.Client(reconnection=False)
        client.on("disconnect", lambda reason=None, t=transports: gone.append(t[-1] + ":" + str(reason)))
        client.connect(url, transports=transports, wait_timeout=TIMEOUT)
        clients.append(client)
    assert requests.get(url + "/health", timeout=TIMEOUT).status_code == 200
    started = time.time()
    assert stop(proc) == 0
    assert time.time() - started < 5
    deadline = time.time() + TIMEOUT
    while len(gone) < 3 and time.time() < deadline:
        time.sleep(0.05)
    assert len(gone) == 3, gone
    assert not any(client.connected for client in clients)


def test_clients_reconnect_to_the_next_server_on_the_same_address():
    proc, url = start("--drain-timeout", "5000")
    port = int(url.rsplit(":", 1)[1])
    clients = []
    for transports in (["websocket"], ["polling"], ["polling", "websocket"]):
        client = socketio.Client(reconnection=True, reconnection_delay=0.1, reconnection_delay_max=0.3)
        client.connect(url, transports=transports, wait_timeout=TIMEOUT)
        clients.append(client)
    first_ids = [client.get_sid("/") for client in clients]
    assert stop(proc) == 0
    proc, _ = start(port=port)
    try:
        deadline = time.time() + 10
        while not all(client.connected for client in clients) and time.time() < deadline:
            time.sleep(0.05)
        assert all(client.connected for client in clients)
        assert [client.get_sid("/") for client in clients] != first_ids
        assert clients[1].call("echo", "back", timeout=TIMEOUT) == "back"
    finally:
        for client in clients:
            client.disconnect()
        assert stop(proc) == 0


def test_health_is_503_and_handshakes_are_refused_while_draining():
    # A polling session that has packets waiting keeps the drain open until it polls.
    proc, url = start("--drain-timeout", "8000", "--ping-timeout", "4000")
    response, opened = handshake(url)
    sid = opened["sid"]
    poll = f"{url}/socket.io/?EIO=4&transport=polling&sid={sid}"
    assert requests.post(poll, data="40", timeout=TIMEOUT).text == "ok"
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert proc.poll() is None, "still draining"
    health = requests.get(url + "/health", timeout=TIMEOUT)
    assert health.status_code == 503
    refused, _ = handshake(url)
    assert refused.status_code == 503
    # The waiting packets are delivered, then the client is told to go (503).
    delivered = requests.get(poll, timeout=TIMEOUT)
    assert delivered.status_code == 200 and delivered.text.startswith('40{"sid":')
    assert requests.get(poll, timeout=TIMEOUT).status_code == 503
    assert proc.wait(timeout=10) == 0


def test_flags_win_over_environment_which_wins_over_the_config_file(tmp_path):
    config = tmp_path / "server.conf"
    config.write_text("# comment\nping-interval = 1111\nmax-payload = \"5000\"\n")
    env = {"SOCKETIO_CONFIG": str(config), "SOCKETIO_PING_INTERVAL": "2222"}
    cases = [
        (["--ping-interval", "3333"], env, 3333),
        ([], env, 2222),
        ([], {"SOCKETIO_CONFIG": str(config)}, 1111),
        ([], {}, 25000),
    ]
    for args, environment, expected in cases:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("SOCKETIO_") or k == "SOCKETIO_SERVER_BIN"}
        proc = subprocess.Popen(
            [BINARY, "e2e", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**clean, **environment},
        )
        url = "http://127.0.0.1:" + proc.stdout.readline().rsplit(":", 1)[1].strip()
        _, opened = handshake(url)
        assert opened["pingInterval"] == expected, (args, environment)
        if environment.get("SOCKETIO_CONFIG"):
            assert opened["maxPayload"] == 5000
        assert stop(proc) == 0


def test_bad_settings_are_refused_with_a_clear_message(tmp_path):
    bad = subprocess.run([BINARY, "e2e", "--ping-interval", "soon"], capture_output=True, text=True, timeout=TIMEOUT)
    assert bad.returncode == 64
    assert "--ping-interval" in bad.stderr and "soon" in bad.stderr
    config = tmp_path / "bad.conf"
    config.write_text("colour = blue\n")
    unknown = subprocess.run([BINARY, "e2e", "--config", str(config)], capture_output=True, text=True, timeout=TIMEOUT)
    assert unknown.returncode == 64 and "unknown key 'colour'" in unknown.stderr
    help_text = subprocess.run([BINARY, "--help"], capture_output=True, text=True, timeout=TIMEOUT).stdout
    for option in ("--port", "--bind", "--config", "--ping-interval", "--drain-timeout", "--log-format", "SOCKETIO_PORT"):
        assert option in help_text


def test_json_log_lines_and_bind_by_host_name():
    proc = subprocess.Popen(
        [BINARY, "e2e", "--port", "0", "--bind", "localhost", "--log-format", "json", "--log-level", "debug"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    url = "http://127.0.0.1:" + proc.stdout.readline().rsplit(":", 1)[1].strip()
    handshake(url)
    assert stop(proc) == 0
    lines = [json.loads(line) for line in proc.stderr.read().splitlines() if line.strip()]
    assert lines, "no log lines"
    assert all({"time", "level", "label", "message"} <= set(line) for line in lines)
    assert any(line.get("eio.sid") for line in lines)
