"""The benchmark tool and the raw ceiling still work: every scenario of `socketio-bench` against
`socketio-server e2e` and `raw-echo-ceiling`, small and short, checking what was delivered, not
how fast (the figures are scripts/bench.sh's job, never a test's).
"""
import json
import os
import socket
import subprocess
import time

import pytest

from conftest import _start_server, terminate

BENCH = os.environ.get("SOCKETIO_BENCH_BIN", ".build/debug/socketio-bench")
RAW = os.environ.get("SOCKETIO_RAW_CEILING_BIN", ".build/debug/raw-echo-ceiling")


def bench(scenario, port, pid, *args):
    """Runs one scenario; returns its JSON line."""
    done = subprocess.run(
        [BENCH, scenario, "--port", str(port), "--pid", str(pid), *map(str, args)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout
    result = json.loads(lines[-1])
    assert result["connectFailures"] == 0, done.stdout
    return result


@pytest.fixture(scope="module")
def ours():
    proc, url = _start_server()
    yield int(url.rsplit(":", 1)[1]), proc.pid
    assert terminate(proc) == 0


@pytest.fixture(scope="module")
def ceiling():
    port = 23000 + os.getpid() % 5000
    proc = subprocess.Popen([RAW, "--port", str(port)], stdout=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.time() < deadline and proc.poll() is None, "raw-echo-ceiling did not start"
            time.sleep(0.05)
    yield port, proc.pid
    proc.terminate()
    proc.wait(timeout=10)


def test_idle_counts_every_connection_and_reads_rss(ours):
    result = bench("idle", *ours, "-n", 200)
    assert result["connections"] == 200
    assert result["rssWithKiB"] > result["rssBeforeKiB"] > 0


@pytest.mark.parametrize("scenario", ["echo", "polling"])
def test_every_echo_is_acknowledged(ours, scenario):
    result = bench(scenario, *ours, "-n", 40, "--rate", 80, "--duration", 2)
    assert result["clients"] == 40
    assert result["sent"] > 100
    assert result["acked"] == result["sent"]


def test_closed_loop_throughput(ours):
    result = bench("throughput", *ours, "-n", 10, "--duration", 1)
    assert result["sent"] > 10
    assert result["acked"] == result["sent"]


def test_binary_echo_comes_back_whole(ours):
    # 64 KB each way, the JSON wire: an attachment frame each way; counted only when whole.
    result = bench("binary-echo", *ours, "-n", 4, "--payload", 65536, "--duration", 1)
    assert result["payload"] == 65536 and result["parser"] == "json"
    assert result["sent"] > 4
    assert result["acked"] == result["sent"]


@pytest.fixture(scope="module")
def ours_msgpack():
    proc, url = _start_server("--parser", "msgpack")
    yield int(url.rsplit(":", 1)[1]), proc.pid
    assert terminate(proc) == 0


@pytest.mark.parametrize("scenario", ["throughput", "binary-echo"])
def test_the_msgpack_wire_closed_loops(ours_msgpack, scenario):
    result = bench(scenario, *ours_msgpack, "-n", 4, "--duration", 1, "--parser", "msgpack")
    assert result["parser"] == "msgpack"
    assert result["sent"] > 4
    assert result["acked"] == result["sent"]


def test_the_msgpack_wire_echoes_broadcasts_and_connects(ours_msgpack):
    echo = bench("echo", *ours_msgpack, "-n", 20, "--rate", 40, "--duration", 2, "--parser", "msgpack")
    assert echo["sent"] > 40 and echo["acked"] == echo["sent"]
    broadcast = bench("broadcast", *ours_msgpack, "-n", 20, "--senders", 2, "--rate", 20, "--duration", 2, "--parser", "msgpack")
    assert broadcast["broadcasts"] > 20 and broadcast["deliveries"] == broadcast["broadcasts"] * 20
    assert bench("connect-storm", *ours_msgpack, "-n", 100, "--parser", "msgpack")["connections"] == 100


def test_a_tool_on_the_wrong_wire_connects_no_one(ours_msgpack):
    # A JSON client's text CONNECT closes it on a MessagePack server.
    done = subprocess.run(
        [BENCH, "throughput", "--port", str(ours_msgpack[0]), "--pid", str(ours_msgpack[1]), "-n", "2", "--duration", "1"],
        capture_output=True, text=True, timeout=120,
    )
    result = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    assert result["connectFailures"] == 2


def test_every_broadcast_reaches_every_client(ours):
    result = bench("broadcast", *ours, "-n", 30, "--senders", 3, "--rate", 30, "--duration", 2)
    assert result["broadcasts"] > 30
    assert result["deliveries"] == result["broadcasts"] * 30


def test_connect_storm(ours):
    result = bench("connect-storm", *ours, "-n", 200)
    assert result["connections"] == 200


def test_slow_consumers_are_disconnected_and_the_canary_keeps_its_acks():
    # A short ping timeout, so that the slow-consumer close (pingTimeout over the bound) comes
    # within the run; the heartbeat itself (25 s + 1 s) does not.
    proc, url = _start_server("--ping-timeout", "1000")
    try:
        port = int(url.rsplit(":", 1)[1])
        result = bench("slow-consumer", port, proc.pid, "-n", 2, "--events", 20, "--payload", 500000, "--rate", 20, "--duration", 6)
        assert result["stalledDisconnected"] == 2
        assert result["canarySent"] > 50
        assert result["canaryAcked"] == result["canarySent"]
    finally:
        assert terminate(proc) == 0


def test_hostile_json_leaves_the_canary_its_acks(ours):
    result = bench("hostile-json", *ours, "-n", 2, "--events", 2, "--payload", 20000, "--rate", 20, "--duration", 2)
    assert result["canarySent"] > 20
    assert result["canaryAcked"] == result["canarySent"]


def test_decode_json_times_the_hostile_packet_without_a_server():
    done = subprocess.run([BENCH, "decode-json", "--payload", "2000", "--events", "3"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["scenario"] == "decode-json" and result["keys"] == 2000 and result["runs"] == 3
    assert 0 < result["minms"] <= result["medianms"] <= result["maxms"]
    refused = subprocess.run([BENCH, "decode-json", "--payload", "0"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 64


def test_wire_codec_times_both_wires_without_a_server():
    done = subprocess.run([BENCH, "wire-codec", "--events", "200"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["scenario"] == "wire-codec" and result["events"] == 200
    for key in ("smallJSONMicroseconds", "smallMessagePackMicroseconds", "binaryJSONMicroseconds", "binaryMessagePackMicroseconds"):
        assert result[key] > 0, key
    assert subprocess.run([BENCH, "wire-codec", "--events", "0"], capture_output=True, text=True, timeout=60).returncode == 64


def test_the_raw_ceiling_echoes_and_broadcasts(ceiling):
    echo = bench("echo", *ceiling, "-n", 40, "--rate", 80, "--duration", 2)
    assert echo["sent"] > 100 and echo["acked"] == echo["sent"]
    broadcast = bench("broadcast", *ceiling, "-n", 30, "--senders", 3, "--rate", 30, "--duration", 2)
    assert broadcast["deliveries"] == broadcast["broadcasts"] * 30
