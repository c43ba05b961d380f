"""Issue 11: when connections use up the descriptor limit, the server must not spin on accept.
It backs off (NIO's AcceptBackoffHandler), says so in its log, and serves again once
descriptors are free."""
import os
import resource
import socket
import subprocess
import time

import requests

BINARY = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_out_of_descriptors_the_server_backs_off_and_recovers(tmp_path):
    log = open(tmp_path / "server.log", "w+")
    limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))  # noqa: E731
    proc = subprocess.Popen(
        [BINARY, "e2e", "--host", "127.0.0.1", "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=limit,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        port = int(line.rsplit(":", 1)[1])
        # More connections than the server has descriptors: the kernel completes them into the
        # backlog, and accept(2) fails with EMFILE for those beyond the limit.
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(120)]
        time.sleep(0.5)
        before = cpu_seconds(proc.pid)
        time.sleep(3)
        spent = cpu_seconds(proc.pid) - before
        # Spinning on accept burns a whole core (3 s here); backing off, almost nothing.
        assert spent < 1.0, f"the server used {spent:.2f} s of CPU in 3 s while out of descriptors"
        log.seek(0)
        text = log.read()
        assert "accept failed; backing off" in text
        # At most one line a second, not one per failed accept.
        assert text.count("accept failed; backing off") <= 6
        for sock in held:
            sock.close()
        deadline = time.time() + 10
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.time() < deadline, "the server did not serve again once descriptors were free"
            time.sleep(0.2)
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
