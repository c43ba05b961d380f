"""A Node socket.io 4.8 server with the official @socket.io/redis-adapter 8.x and a
`socketio-server e2e --redis` node form one cluster through a real redis-server, in both
directions; the official @socket.io/redis-emitter 5.x reaches our clients.

The Node peers are built from mirrors of their repositories by scripts/build-node-peers.sh
(scripts/test.sh sets NODE_PEERS to its output; without it these tests are skipped)."""
import os
import queue
import subprocess

import pytest

from conftest import terminate
from test_e2e_redis import RedisServer, connect, start_node, wait_for

TIMEOUT = 5
PEERS = os.environ.get("NODE_PEERS")
pytestmark = pytest.mark.skipif(not PEERS, reason="NODE_PEERS not built (needs the socket.io mirrors and node)")


def node_env():
    env = dict(os.environ)
    env["NODE_PATH"] = f"/usr/share/nodejs:{PEERS}/node_modules"
    return env


@pytest.fixture(scope="module")
def mixed_cluster():
    redis = RedisServer()
    redis.start()
    key = f"sio-node-{os.getpid()}"
    swift_proc, swift_url = start_node(redis.url, key, f"unused-{os.getpid()}")
    node_proc = subprocess.Popen(
        ["node", "Tests/js/node-cluster-node.cjs", redis.url, key], stdout=subprocess.PIPE, text=True, env=node_env())
    line = node_proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        node_proc.kill()
        raise RuntimeError(f"node server did not start: {line!r}")
    node_url = "http://" + line.split(" ")[-1]
    yield {"swift": swift_url, "node": node_url, "redis": redis, "key": key}
    terminate(node_proc)
    terminate(swift_proc)
    redis.stop()


def test_one_cluster_in_both_directions(mixed_cluster):
    ours, q_ours = connect(mixed_cluster["swift"], "hi", "vote", "vip")
    theirs, q_theirs = connect(mixed_cluster["node"], "hi", "vote", "vip")
    ours.on("vote", lambda *args: "swift client")
    theirs.on("vote", lambda *args: "node client")
    try:
        assert wait_for(lambda: ours.call("server_count", timeout=TIMEOUT) == 2)
        assert theirs.call("server_count", timeout=TIMEOUT) == 2
        assert ours.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
        assert theirs.call("join", {"room": "r"}, timeout=TIMEOUT) == "r"
        # Broadcasts: Swift → Node and Node → Swift.
        ours.call("to_room", {"room": "r", "event": "hi", "data": "from swift"}, timeout=TIMEOUT)
        assert q_theirs["hi"].get(timeout=TIMEOUT) == ("from swift",)
        assert q_ours["hi"].get(timeout=TIMEOUT) == ("from swift",)
        theirs.call("to_room", {"room": "r", "event": "hi", "data": {"from": "node", "bytes": b"\x00\xff"}}, timeout=TIMEOUT)
        assert q_ours["hi"].get(timeout=TIMEOUT) == ({"from": "node", "bytes": b"\x00\xff"},)
        # fetchSockets both ways (Node asks us with request type 5, we ask Node).
        assert ours.call("room_size", {"room": "r"}, timeout=TIMEOUT) == 2
        assert theirs.call("room_size", {"room": "r"}, timeout=TIMEOUT) == 2
        # allRooms from Node includes our rooms (request type 1).
        rooms = theirs.call("all_rooms", timeout=TIMEOUT)
        assert "r" in rooms and ours.get_sid("/") in rooms
        # socketsJoin both ways.
        ours.call("sockets_join", {"target": theirs.get_sid("/"), "room": "vip"}, timeout=TIMEOUT)
        theirs.call("sockets_join", {"target": ours.get_sid("/"), "room": "vip"}, timeout=TIMEOUT)
        assert wait_for(lambda: ours.call("room_size", {"room": "vip"}, timeout=TIMEOUT) == 2)
        # serverSideEmitWithAck both ways (request type 6 and its shared-channel answers).
        assert ours.call("server_side_ping", timeout=TIMEOUT) == ["node pong from swift"]
        assert theirs.call("server_side_ping", timeout=TIMEOUT) == ["swift pong from node"]
        # Broadcasts with acks both ways (request type 7, answers 8 and 9).
        assert sorted(ours.call("vote_all", timeout=TIMEOUT)) == ["node client", "swift client"]
        assert sorted(theirs.call("vote_all", timeout=TIMEOUT)) == ["node client", "swift client"]
    finally:
        ours.disconnect()
        theirs.disconnect()


def test_the_official_redis_emitter_reaches_our_clients(mixed_cluster):
    ours, q_ours = connect(mixed_cluster["swift"], "news")
    try:
        assert ours.call("join", {"room": "readers"}, timeout=TIMEOUT) == "readers"
        subprocess.run(
            ["node", "Tests/js/node-redis-emitter.cjs", mixed_cluster["redis"].url, mixed_cluster["key"]],
            check=True, timeout=30, env=node_env())
        got = [q_ours["news"].get(timeout=TIMEOUT) for _ in range(4)]
        assert got == [({"to": "all"},), ({"to": "readers"},), (b"\x01\x02\x03",), ("via joined",)]
        with pytest.raises(queue.Empty):
            q_ours["news"].get(timeout=0.3)  # the /admin emit is not for `/`
    finally:
        ours.disconnect()
