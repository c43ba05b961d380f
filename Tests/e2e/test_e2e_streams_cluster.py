"""A Redis Streams cluster (issue 13): two `socketio-server e2e --redis-adapter streams` nodes and
a Node socket.io 4.8 server with the official @socket.io/redis-streams-adapter 0.3.x, all with
connection state recovery on, on one real redis-server of this module's own.

- python-socketio clients on each server: broadcasts (binary too), fetchSockets, socketsJoin,
  serverSideEmitWithAck and broadcasts with acks cross between Swift and Node, both ways;
- the official socket.io-client (the bundle of the socket.io mirror, run under Node) drops from
  one server and comes back recovered on another, missed events included: Swift to Node, Node to
  Swift, Swift to Swift;
- garbage written into the stream and on the channels leaves every server working;
- Redis restarts: every server reconnects and reads the stream on.

The Node peer is built from mirrors by scripts/build-node-peers.sh (scripts/test.sh sets
NODE_PEERS; without it, or without the streams adapter's mirror, these tests are skipped)."""
import os
import queue
import shutil
import subprocess
import tempfile

import pytest
import redis as redis_client

from conftest import terminate
from test_e2e_node_cluster import node_env
from test_e2e_redis import RedisServer, connect, wait_for

TIMEOUT = 5
PEERS = os.environ.get("NODE_PEERS")
STREAMS_PEER = PEERS and os.path.exists(f"{PEERS}/node_modules/@socket.io/redis-streams-adapter/dist/index.js")
pytestmark = pytest.mark.skipif(
    not STREAMS_PEER, reason="NODE_PEERS without @socket.io/redis-streams-adapter (needs its mirror and node)")
MONOREPO = os.environ.get("SOCKETIO_MONOREPO_GIT", "/work/.mirror/socketio+socket.io/repo")
RECOVERY_MS = "60000"


def start_swift(redis_url, key):
    binary = os.environ.get("SOCKETIO_SERVER_BIN", ".build/debug/socketio-server")
    proc = subprocess.Popen(
        [binary, "e2e", "--port", "0", "--log-level", "error", "--drain-timeout", "500",
         "--redis", redis_url, "--redis-adapter", "streams", "--redis-key", key,
         "--connection-state-recovery", RECOVERY_MS],
        stdout=subprocess.PIPE, text=True)
    return proc, listening(proc, "socketio-server")


def start_node(redis_url, key):
    proc = subprocess.Popen(
        ["node", "Tests/js/node-streams-node.cjs", redis_url, key, RECOVERY_MS],
        stdout=subprocess.PIPE, text=True, env=node_env())
    return proc, listening(proc, "node streams peer")


def listening(proc, name):
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"{name} did not start: {line!r}")
    return "http://127.0.0.1:" + line.rsplit(":", 1)[1]


@pytest.fixture(scope="module")
def streams_cluster():
    server = RedisServer()
    server.start()
    key = f"sio-streams-e2e-{os.getpid()}"
    procs = []
    try:
        swift1, url1 = start_swift(server.url, key)
        procs.append(swift1)
        swift2, url2 = start_swift(server.url, key)
        procs.append(swift2)
        node, node_url = start_node(server.url, key)
        procs.append(node)
        yield {"swift": [url1, url2], "node": node_url, "redis": server, "key": key}
    finally:
        for proc in procs:
            terminate(proc)
        server.stop()


def count_is(client, expected):
    return lambda: client.call("server_count", timeout=TIMEOUT) == expected


def test_one_streams_cluster_in_both_directions(streams_cluster):
    ours, q_ours = connect(streams_cluster["swift"][0], "hi", "vote", "vip")
    theirs, q_theirs = connect(streams_cluster["node"], "hi", "vote", "vip")
    ours.on("vote", lambda *args: "swift client")
    theirs.on("vote", lambda *args: "node client")
    try:
        # PUBSUB NUMSUB of the namespace's channel, as 0.3.x counts: three servers.
        assert wait_for(count_is(ours, 3))
        assert wait_for(count_is(theirs, 3))
        assert ours.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
        assert theirs.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
        # Broadcasts through the stream, Swift → Node and Node → Swift; with recovery on, each
        # carries its stream entry's id as one more, last argument, the same on every server.
        ours.call("to_room", {"room": "r", "event": "hi", "data": "from swift"}, timeout=TIMEOUT)
        data, offset = q_theirs["hi"].get(timeout=TIMEOUT)
        assert data == "from swift" and q_ours["hi"].get(timeout=TIMEOUT) == (data, offset)
        theirs.call("to_room", {"room": "r", "event": "hi", "data": {"from": "node", "bytes": b"\x00\xff"}}, timeout=TIMEOUT)
        data, node_offset = q_ours["hi"].get(timeout=TIMEOUT)
        assert data == {"from": "node", "bytes": b"\x00\xff"}  # base64 MessagePack in the stream
        assert q_theirs["hi"].get(timeout=TIMEOUT) == (data, node_offset)
        assert node_offset > offset
        # fetchSockets both ways: FETCH_SOCKETS on pub/sub, answers on the asker's channel.
        assert ours.call("room_size", {"room": "r"}, timeout=TIMEOUT) == 2
        assert theirs.call("room_size", {"room": "r"}, timeout=TIMEOUT) == 2
        # socketsJoin both ways (SOCKETS_JOIN through the stream).
        ours.call("sockets_join", {"target": theirs.get_sid("/"), "room": "vip"}, timeout=TIMEOUT)
        theirs.call("sockets_join", {"target": ours.get_sid("/"), "room": "vip"}, timeout=TIMEOUT)
        assert wait_for(lambda: ours.call("room_size", {"room": "vip"}, timeout=TIMEOUT) == 2)
        # serverSideEmitWithAck both ways: every other server answers.
        assert sorted(ours.call("server_side_ping", timeout=TIMEOUT)) == ["node pong from swift", "swift pong from swift"]
        assert theirs.call("server_side_ping", timeout=TIMEOUT) == ["swift pong from node", "swift pong from node"]
        # Broadcasts with acks both ways (BROADCAST with a requestId on pub/sub, then
        # BROADCAST_CLIENT_COUNT and BROADCAST_ACK on the asker's channel).
        assert sorted(ours.call("vote_all", timeout=TIMEOUT)) == ["node client", "swift client"]
        assert sorted(theirs.call("vote_all", timeout=TIMEOUT)) == ["node client", "swift client"]
    finally:
        ours.disconnect()
        theirs.disconnect()


@pytest.fixture(scope="module")
def client_bundle():
    if not shutil.which("node") or not os.path.isdir(MONOREPO):
        pytest.skip("the official client bundle needs node and the socket.io mirror (SOCKETIO_MONOREPO_GIT)")
    bundle = tempfile.NamedTemporaryFile(suffix=".js", delete=False)
    subprocess.run(["git", "--git-dir", MONOREPO, "show", "HEAD:packages/socket.io/client-dist/socket.io.js"],
                   stdout=bundle, check=True)
    bundle.close()
    yield bundle.name
    os.unlink(bundle.name)


@pytest.mark.parametrize("direction", ["swift>node", "node>swift", "swift>swift"])
def test_the_official_client_recovers_on_another_server(streams_cluster, client_bundle, direction):
    urls = {"swift": streams_cluster["swift"][0], "node": streams_cluster["node"]}
    source, target = direction.split(">")
    to_url = streams_cluster["swift"][1] if direction == "swift>swift" else urls[target]
    result = subprocess.run(
        ["node", "--no-warnings", "--experimental-websocket", "Tests/js/cluster-recovery.cjs", client_bundle,
         urls[source], to_url, direction],
        capture_output=True, text=True, timeout=180, env=node_env())
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"cluster-recovery {direction}: " in result.stdout and " 0 failed" in result.stdout


def test_garbage_in_the_stream_and_on_the_channels_leaves_every_server_working(streams_cluster):
    key = streams_cluster["key"]
    ours, q_ours = connect(streams_cluster["swift"][0], "hi")
    other, q_other = connect(streams_cluster["swift"][1], "hi")
    theirs, q_theirs = connect(streams_cluster["node"], "hi")
    r = redis_client.Redis.from_url(streams_cluster["redis"].url)
    try:
        for client in (ours, other, theirs):
            assert client.call("join", {"room": "g"}, timeout=TIMEOUT) == "g"
        for fields in [
            {"nsp": "/", "type": "3", "data": "{not json"},
            {"nsp": "/", "type": "3", "data": "%%%"},
            {"nsp": "/", "type": "99", "data": "{}"},
            {"nsp": "/", "type": "3", "data": "{" + "[" * 5000},
            {"uid": "x", "nsp": "/", "type": "3", "data": '{"packet":{"type":2,"data":[1]},"opts":{}}'},
            {"nsp": "/", "type": "4", "data": '{"opts":5,"rooms":"x"}'},
            {"nothing": "here"},
        ]:
            r.xadd(key, fields)
        r.publish(f"{key}#/#", b"\xc1\x00")
        r.publish(f"{key}#/#", b"\x85" + b"\xa3nsp" * 3)
        # Every server still reads the stream and answers on the channels.
        ours.call("to_room", {"room": "g", "event": "hi", "data": "after garbage"}, timeout=TIMEOUT)
        for q in (q_ours, q_other, q_theirs):
            assert q["hi"].get(timeout=TIMEOUT)[0] == "after garbage"
        assert theirs.call("room_size", {"room": "g"}, timeout=TIMEOUT) == 3
        assert ours.call("room_size", {"room": "g"}, timeout=TIMEOUT) == 3
    finally:
        r.close()
        for client in (ours, other, theirs):
            client.disconnect()


def test_every_server_reads_on_after_redis_restarts(streams_cluster):
    ours, q_ours = connect(streams_cluster["swift"][0], "hi")
    other, q_other = connect(streams_cluster["swift"][1], "hi")
    theirs, q_theirs = connect(streams_cluster["node"], "hi")
    try:
        for client in (ours, other, theirs):
            assert client.call("join", {"room": "r2"}, timeout=TIMEOUT) == "r2"
        streams_cluster["redis"].stop()
        # Each server keeps serving its own clients meanwhile.
        assert ours.call("echo", "still here", timeout=TIMEOUT) == "still here"
        streams_cluster["redis"].start()
        assert wait_for(count_is(ours, 3), timeout=30)
        assert wait_for(count_is(theirs, 3), timeout=30)
        for q in (q_ours, q_other, q_theirs):
            while not q["hi"].empty():
                q["hi"].get_nowait()

        def everyone_got_it():
            other.call("to_room", {"room": "r2", "event": "hi", "data": "after restart"}, timeout=TIMEOUT)
            try:
                return all(q["hi"].get(timeout=2)[0] == "after restart" for q in (q_ours, q_other, q_theirs))
            except queue.Empty:
                return False

        # The stream readers reconnect and read on from where they were (a new, empty stream:
        # its ids come after theirs).
        assert wait_for(everyone_got_it, timeout=30)
    finally:
        for client in (ours, other, theirs):
            client.disconnect()
