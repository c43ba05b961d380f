"""Examples/Flack, the Swift port of Miguel Grinberg's Flack (github.com/miguelgrinberg/flack),
against Flack's own Celery worker and a real redis-server.

What runs unchanged from Flack's repository: the Celery worker (`celery -A flack.celery
worker`: the task `flack.events.post_message`, its SQLAlchemy models, Markdown rendering and
`push_model`, which emits through Flask-SocketIO's Redis message queue), and its
`db.create_all()` for the tables. Flack's code is read from a mirror of its repository at test
time (FLACK_GIT, a bare git directory; `fetch github:miguelgrinberg/flack`), never committed,
and runs in its own venv (FLACK_PYTHON; scripts/test.sh makes it from
Tests/e2e/flack-requirements.txt, versions that still run Flack's 2019 code).

One file of Flack's is replaced: `celeryconfig.py` says `json` where Flack says `pickle`,
because the Swift server queues its tasks as JSON (Celery's default) and does not write pickle.

Flack has no Python client (its tests drive Flask's test client in process), so the client
here is its JavaScript client's logic (`static/app.js`, `views/login_form.js`,
`views/post_form.js`) done with python-socketio: register and log in over REST, `ping_user`
with the token, `post_message` with the token, and the `updated_model` pushes.

Flack uses no named rooms: each push goes to every client. What is asserted: REST auth refusals,
events with a bad token ignored, the pushes of the server, of its background thread and of the
Celery worker through the queue, reaching every client.
"""
import os
import queue
import shutil
import socket
import subprocess
import tarfile
import io
import time

import pytest
import requests
import socketio

from conftest import terminate

TIMEOUT = 20  # the worker's first task imports Flack and connects; later ones are quick

FLACK_GIT = os.environ.get("FLACK_GIT", "/work/.mirror/miguelgrinberg+flack/repo")
FLACK_PYTHON = os.environ.get("FLACK_PYTHON", "")

if not os.path.isdir(FLACK_GIT):
    pytest.skip(f"no mirror of miguelgrinberg/flack at {FLACK_GIT} (set FLACK_GIT; fetch github:miguelgrinberg/flack)",
                allow_module_level=True)
if not (FLACK_PYTHON and os.access(FLACK_PYTHON, os.X_OK)):
    pytest.skip("FLACK_PYTHON names no python with Tests/e2e/flack-requirements.txt (scripts/test.sh makes .venv-flack)",
                allow_module_level=True)

# Celery's settings for the worker: JSON instead of Flack's pickle (which Celery also refuses
# to accept in a worker running as root, as CI's does).
CELERYCONFIG = """# Flack's celeryconfig.py, replaced by Tests/e2e/test_flack.py: the Swift port queues JSON.
task_serializer = 'json'
result_serializer = 'json'
accept_content = ['json']
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def flack(tmp_path_factory):
    """redis-server, Flack's tables, the Swift port and Flack's Celery worker; yields the port's URL."""
    root = tmp_path_factory.mktemp("flack")
    archive = subprocess.run(["git", "--git-dir", FLACK_GIT, "archive", "HEAD"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root / "flack", filter="data")
    app_dir = root / "flack"
    (app_dir / "celeryconfig.py").write_text(CELERYCONFIG)

    procs = []
    redis_port = free_port()
    redis = shutil.which("redis-server")
    if redis is None:
        pytest.fail("redis-server is needed: apt-get install redis-server")
    procs.append(subprocess.Popen(
        [redis, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL))
    deadline = time.time() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", redis_port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.time() > deadline:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    database = root / "flack.sqlite"
    env = dict(os.environ, CELERY_BROKER_URL=redis_url, SOCKETIO_MESSAGE_QUEUE=redis_url,
               DATABASE_URL=f"sqlite:///{database}", FLACK_CONFIG="production", PYTHONDONTWRITEBYTECODE="1")

    # `python manage.py createdb`, without Flask-Script: Flack's models make the tables.
    subprocess.run([FLACK_PYTHON, "-c", "from flack import create_app, db\n"
                    "app = create_app('production', main=False)\n"
                    "with app.app_context(): db.create_all()"], cwd=app_dir, env=env, check=True)

    binary = os.environ.get("FLACK_EXAMPLE_BIN", ".build/debug/flack-example")
    server = subprocess.Popen(
        [binary, "--port", "0", "--database", str(database), "--redis", redis_url,
         "--offline-after", "3", "--offline-check", "1", "--password-cost", "4"],
        stdout=subprocess.PIPE, text=True)
    procs.append(server)
    line = server.stdout.readline().strip()
    if not line.startswith("listening on "):
        for proc in procs:
            terminate(proc)
        raise RuntimeError(f"flack-example did not start: {line!r}")
    url = "http://127.0.0.1:" + line.rsplit(":", 1)[1]

    # `python manage.py celery`: Flack's worker, one process, no pool.
    worker_log = open(root / "worker.log", "w")
    procs.append(subprocess.Popen(
        [FLACK_PYTHON, "-m", "celery", "-A", "flack.celery", "worker", "--pool", "solo", "--loglevel", "info", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=app_dir, env=env, stdout=worker_log, stderr=subprocess.STDOUT))
    yield {"url": url, "redis_port": redis_port, "worker_log": root / "worker.log", "server": server}
    for proc in reversed(procs):
        terminate(proc)
    worker_log.close()


class FlackClient:
    """Flack's JavaScript client (app.js and its views), done with python-socketio."""

    def __init__(self, url):
        self.url = url
        self.updates = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("updated_model", lambda data: self.updates.put(data))
        self.sio.connect(url, wait_timeout=5)  # io.connect(): polling, then the upgrade
        self.token = None

    def register(self, nickname, password):
        """login_form.js, an unknown nickname: `User.save()`, then `requestToken`."""
        r = requests.post(self.url + "/api/users", json={"nickname": nickname, "password": password}, timeout=5)
        assert r.status_code == 201, r.text
        return r

    def login(self, nickname, password):
        """login_form.js `requestToken`: POST /api/tokens with basic auth."""
        r = requests.post(self.url + "/api/tokens", auth=(nickname, password), timeout=5)
        if r.status_code == 200:
            self.token = r.json()["token"]
        return r

    def ping(self, token=None):
        self.sio.emit("ping_user", token or self.token)

    def post(self, text, token=None):
        """post_form.js: `app.socket.emit('post_message', {source: …}, token)`."""
        self.sio.emit("post_message", ({"source": text}, token if token is not None else self.token))

    def next_update(self, predicate, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                raise AssertionError("no matching updated_model")
            try:
                update = self.updates.get(timeout=remaining)
            except queue.Empty:
                raise AssertionError("no matching updated_model")
            if predicate(update):
                return update

    def drain(self):
        while not self.updates.empty():
            self.updates.get_nowait()

    def close(self):
        self.sio.disconnect()


def user_update(nickname, online):
    return lambda u: u["class"] == "User" and u["model"]["nickname"] == nickname and u["model"]["online"] is online


def test_rest_auth_refusals(flack):
    url = flack["url"]
    r = requests.post(url + "/api/users", json={"nickname": "ada", "password": "lovelace"}, timeout=5)
    assert r.status_code == 201
    user = r.json()
    assert r.headers["Location"] == f"/api/users/{user['id']}"
    assert user["nickname"] == "ada" and user["_links"]["tokens"] == "/api/tokens"
    assert "password" not in user and "password_hash" not in user
    # Flack's tests.py: a duplicate nickname and an incomplete user are 400.
    assert requests.post(url + "/api/users", json={"nickname": "ada", "password": "x"}, timeout=5).status_code == 400
    assert requests.post(url + "/api/users", json={"nickname": "ada2"}, timeout=5).status_code == 400
    assert requests.post(url + "/api/users", data=b"\xff{not json", timeout=5).status_code == 400
    # Wrong password, no credentials, a bad bearer token: 401 with a Bearer realm (no browser prompt).
    wrong = requests.post(url + "/api/tokens", auth=("ada", "babbage"), timeout=5)
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "authentication required"}
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer ")
    assert requests.post(url + "/api/tokens", timeout=5).status_code == 401
    assert requests.post(url + "/api/tokens", auth=("nobody", "lovelace"), timeout=5).status_code == 401
    assert requests.get(url + "/api/users", headers={"Authorization": "Bearer bad-token"}, timeout=5).status_code == 401
    # The right password: a 64-hex-digit token, the same on the next request.
    token = requests.post(url + "/api/tokens", auth=("ada", "lovelace"), timeout=5).json()["token"]
    assert len(token) == 64 and int(token, 16) >= 0
    assert requests.post(url + "/api/tokens", auth=("ada", "lovelace"), timeout=5).json()["token"] == token
    users = requests.get(url + "/api/users", headers={"Authorization": "Bearer " + token}, timeout=5).json()["users"]
    assert [u["nickname"] for u in users] == ["ada"] and users[0]["online"] is True
    assert requests.get(url + f"/api/users/{user['id']}", timeout=5).json()["nickname"] == "ada"
    assert requests.get(url + "/api/users/999", timeout=5).status_code == 404
    # A revoked token no longer works.
    assert requests.delete(url + "/api/tokens", headers={"Authorization": "Bearer " + token}, timeout=5).status_code == 204
    assert requests.get(url + "/api/users", headers={"Authorization": "Bearer " + token}, timeout=5).status_code == 401


def test_posted_message_reaches_every_client_through_the_celery_worker(flack):
    url = flack["url"]
    watcher = FlackClient(url)
    author = FlackClient(url)
    try:
        author.register("grace", "hopper")
        assert author.login("grace", "hopper").status_code == 200
        # Logging in marks the user online: a push from the Swift server to every client.
        watcher.next_update(user_update("grace", True), timeout=5)
        author.ping()

        # Flack's Celery task renders the Markdown and emits through Flask-SocketIO's queue.
        author.post("hello *world* from grace")
        for client in (watcher, author):
            update = client.next_update(lambda u: u["class"] == "Message")
            model = update["model"]
            assert model["source"] == "hello *world* from grace"
            assert model["html"] == "hello <em>world</em> from grace"
            assert model["_links"]["user"] == f"/api/users/{model['user_id']}"
        # The worker wrote to the database this server reads.
        messages = requests.get(url + "/api/messages", timeout=5).json()["messages"]
        assert [m["html"] for m in messages] == ["hello <em>world</em> from grace"]
        assert requests.get(url + f"/api/messages/{messages[0]['id']}", timeout=5).json() == messages[0]
    finally:
        watcher.close()
        author.close()


def test_events_with_a_bad_token_are_ignored(flack):
    url = flack["url"]
    watcher = FlackClient(url)
    intruder = FlackClient(url)
    try:
        intruder.post("let me in", token="0" * 64)
        intruder.sio.emit("post_message", ({"source": "null token"}, None))
        intruder.ping(token="not-a-token")
        intruder.sio.emit("post_message", "garbage")  # wrong arguments: logged, the socket lives on
        time.sleep(2)
        # Users of earlier tests still go offline around now (disconnects, the background
        # task); nothing else may come: no message, and nobody brought online.
        for client in (watcher, intruder):
            while not client.updates.empty():
                update = client.updates.get_nowait()
                assert update["class"] == "User" and update["model"]["online"] is False, update
        # Nothing reached Celery's queue, and the intruder is still connected.
        with socket.create_connection(("127.0.0.1", flack["redis_port"]), timeout=2) as s:
            s.sendall(b"LLEN celery\r\n")
            assert s.recv(16) == b":0\r\n"
        assert intruder.sio.connected
        assert all("let me in" not in m["source"] for m in requests.get(url + "/api/messages", timeout=5).json()["messages"])
    finally:
        watcher.close()
        intruder.close()


def test_disconnect_marks_the_user_offline(flack):
    url = flack["url"]
    watcher = FlackClient(url)
    user = FlackClient(url)
    try:
        user.register("alan", "turing")
        user.login("alan", "turing")
        watcher.next_update(user_update("alan", True), timeout=5)
        user.ping()  # sets the socket's session nickname
        time.sleep(0.3)
        user.close()
        watcher.next_update(user_update("alan", False), timeout=5)
    finally:
        watcher.close()


def test_background_task_marks_idle_users_offline(flack):
    # A user who logged in over REST and never pings: the background task (here every 1 s,
    # offline after 3 s; Flack's 5 s and 60 s) pushes it offline to every client.
    url = flack["url"]
    watcher = FlackClient(url)
    try:
        requests.post(url + "/api/users", json={"nickname": "edsger", "password": "dijkstra"}, timeout=5)
        assert requests.post(url + "/api/tokens", auth=("edsger", "dijkstra"), timeout=5).status_code == 200
        came_online = watcher.next_update(user_update("edsger", True), timeout=5)
        went_offline = watcher.next_update(user_update("edsger", False), timeout=10)
        assert went_offline["model"]["updated_at"] >= came_online["model"]["updated_at"]
        online = requests.get(url + "/api/users?online=1", timeout=5).json()["users"]
        assert "edsger" not in [u["nickname"] for u in online]
    finally:
        watcher.close()
