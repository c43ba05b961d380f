#!/usr/bin/env bash
# Runs every test of swift-socketio on a fresh Debian/Ubuntu machine with Swift 6:
#   1. installs what the tests need (python-socketio and friends from PyPI into .venv;
#      Node's mocha/ws from apt for the protocol suites, when run as root);
#   2. `swift test` (codecs, engine through EmbeddedChannel, Socket.IO on a live loopback server,
#      the Redis client against a real redis-server from apt on a free loopback port);
#   3. end-to-end tests: `socketio-server e2e` driven by python-socketio's Client and AsyncClient
#      over websocket, polling and upgrade; the same clients against `hummingbird-example`;
#      two `socketio-server e2e --redis` nodes on a redis-server of their own, with a
#      Flask-SocketIO message-queue writer and Redis restarted mid-test; and, when the mirrors are
#      here, a Node socket.io 4.8 server with @socket.io/redis-adapter in the same cluster and
#      @socket.io/redis-emitter (scripts/build-node-peers.sh); and a Redis Streams cluster of two
#      `--redis-adapter streams` nodes and Node's @socket.io/redis-streams-adapter, where the
#      official client recovers its connection on another server;
#   4. as root: the static release binary (scripts/release.sh) under chroot in Debian bullseye
#      and in an empty root (scripts/portability-test.sh; debootstrap from apt, roots cached),
#      and beside it Examples/Template, copied out of the tree and built into one static file
#      (scripts/template-release.sh), driven by python-socketio in the same roots;
#   5. when a mirror of socketio/socket.io is available (SOCKETIO_MONOREPO_GIT): the official
#      socket.io-client bundle in Node and in headless Chromium (apt) against
#      `socketio-server e2e --cookie io` (a cross-origin page, and a same-origin one for the
#      header hooks and cookies), the same with its MessagePack build (socket.io.msgpack.min.js)
#      against `socketio-server e2e --parser msgpack`, and the official
#      Engine.IO v4 / Socket.IO v5 suites against `socketio-server conformance`;
#   the light client (Sources/SocketIO/LightClient) in Node against `socketio-server e2e` and
#   Node's socket.io 4.8, and the demo page on it in headless Chromium with no network;
#   6. the libFuzzer targets (scripts/fuzz.sh), 20 s each (FUZZ_SECONDS to change it);
#   and, around `swift test`, `swift format` (layout, and a `///` on every public symbol) and
#   the DocC catalogs built with warnings as errors.
# Usage: ./scripts/test.sh        (CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="${SOCKETIO_TEST_VENV:-$ROOT/.venv}"

step() { printf '\n== %s\n' "$*"; }

step "Python test clients (PyPI) in $VENV"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r Tests/e2e/requirements.txt

# SQLite's headers for Examples/Flack (a system-library target every `swift build` of the
# package compiles): from apt when missing.
if [ ! -e /usr/include/sqlite3.h ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  step "libsqlite3-dev (apt) for Examples/Flack"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev >/dev/null 2>&1; } || true
fi
[ -e /usr/include/sqlite3.h ] || { echo "SQLite's headers are needed for Examples/Flack: apt-get install libsqlite3-dev"; exit 1; }

SERVER_PIDS=()
trap 'for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

# A real redis-server for the Redis adapter's tests (RedisConnectionTests, and the cluster
# tests): from apt when missing, on a free loopback port, no persistence. REDIS_URL tells the
# tests where it is; under CI they fail rather than skip without it.
step "redis-server (apt when missing) on a free loopback port"
if ! command -v redis-server >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1; } || true
fi
command -v redis-server >/dev/null || { echo "redis-server is needed: apt-get install redis-server"; exit 1; }
REDIS_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >/dev/null &
SERVER_PIDS+=($!)
for _ in $(seq 1 100); do
  if (exec 9<>"/dev/tcp/127.0.0.1/$REDIS_PORT" && printf 'PING\r\n' >&9 && read -r -t 1 reply <&9 && [ "${reply%$'\r'}" = "+PONG" ]) 2>/dev/null; then
    break
  fi
  sleep 0.1
done
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
echo "redis-server $(redis-server --version | sed -E 's/.*v=([^ ]+).*/\1/') at $REDIS_URL"

step "swift format: layout and a doc comment on every public symbol (scripts/check-format.sh)"
./scripts/check-format.sh

step "swift build"
swift build --build-tests

step "swift test"
swift test --skip-build

step "documentation: every DocC catalog, warnings as errors (scripts/check-docs.sh)"
./scripts/check-docs.sh

# The official Node peers of the Redis cluster tests (socket.io 4.8 with @socket.io/redis-adapter,
# @socket.io/redis-emitter, @socket.io/redis-streams-adapter), built from mirrors of their
# repositories when they are here.
if [ -d "${SOCKETIO_MIRRORS:-/work/.mirror}/socketio+socket.io-redis-adapter/repo" ] && command -v node >/dev/null && [ "$(id -u)" = 0 ]; then
  step "Node peers for the cluster tests (scripts/build-node-peers.sh)"
  ./scripts/build-node-peers.sh "$ROOT/.build-node-peers"
  export NODE_PEERS="$ROOT/.build-node-peers"
  # The MessagePack test vectors of MessagePackPacketTests, as the real notepack.io writes them
  # and socket.io-msgpack-parser judges them (issue 13): unchanged, or the Swift tests are stale.
  if [ -d "$NODE_PEERS/node_modules/socket.io-msgpack-parser" ]; then
    step "MessagePack vectors: notepack.io and socket.io-msgpack-parser give Tests/js/msgpack-vectors.txt"
    NODE_PATH="/usr/share/nodejs:$NODE_PEERS/node_modules" node Tests/js/msgpack-vectors.cjs | diff - Tests/js/msgpack-vectors.txt
    echo "$(wc -l <Tests/js/msgpack-vectors.txt) vectors as committed"
  fi
else
  step "Node cluster peers: skipped (no socket.io-redis-adapter mirror, no node, or not root)"
fi

# Examples/Flack against Flack's own Celery worker (Tests/e2e/test_flack.py, issue 15): Flack's
# code from a mirror of miguelgrinberg/flack (read at run time, never committed), its 2019-era
# dependencies in a venv of their own. Without the mirror the test says it skipped and why.
FLACK_GIT="${FLACK_GIT:-/work/.mirror/miguelgrinberg+flack/repo}"
if [ -d "$FLACK_GIT" ]; then
  step "Flack's Celery worker: Tests/e2e/flack-requirements.txt in $ROOT/.venv-flack"
  [ -x "$ROOT/.venv-flack/bin/python" ] || python3 -m venv "$ROOT/.venv-flack"
  "$ROOT/.venv-flack/bin/pip" install -q --disable-pip-version-check -r Tests/e2e/flack-requirements.txt
  export FLACK_GIT FLACK_PYTHON="$ROOT/.venv-flack/bin/python"
else
  step "Examples/Flack against Flack's Celery worker: skipped (no miguelgrinberg/flack mirror; set FLACK_GIT)"
fi

step "end-to-end: python-socketio against socketio-server e2e (and the Redis cluster)"
SOCKETIO_SERVER_BIN="$ROOT/.build/debug/socketio-server" HUMMINGBIRD_EXAMPLE_BIN="$ROOT/.build/debug/hummingbird-example" \
  FLACK_EXAMPLE_BIN="$ROOT/.build/debug/flack-example" "$VENV/bin/python" -m pytest -q Tests/e2e

# The static release binary in other roots under chroot (needs root; CI runs as root).
if [ "$(id -u)" = 0 ]; then
  # Your own app as one file: Examples/Template copied out of the tree, depending on this
  # checkout by path, built static; dist/socketio-server (scripts/release.sh, with its budget)
  # comes from the same build, as a product of the dependency, so the library is compiled for
  # release once.
  step "static release build: Examples/Template out of tree, and socketio-server with it (scripts/template-release.sh)"
  TEMPLATE_DIR="$(mktemp -d -t socketio-template.XXXXXX)"
  ./scripts/template-release.sh "$TEMPLATE_DIR"
  step "portability: dist/socketio-server and the template app under chroot in Debian bullseye and an empty root"
  ./scripts/portability-test.sh --app "$TEMPLATE_DIR/dist/my-app" --app-static "$TEMPLATE_DIR/my-app/static" bullseye empty
  if command -v systemd-analyze >/dev/null; then
    step "deploy/socketio-server.service and the template's my-app.service: systemd-analyze verify"
    UNIT_DIR="$(mktemp -d -t socketio-unit.XXXXXX)"
    sed "s|/usr/local/bin/socketio-server|$ROOT/dist/socketio-server|" deploy/socketio-server.service >"$UNIT_DIR/socketio-server.service"
    systemd-analyze verify "$UNIT_DIR/socketio-server.service"
    sed "s|/usr/local/bin/socketio-server|$ROOT/dist/socketio-server|" deploy/socketio-server-tls.service >"$UNIT_DIR/socketio-server-tls.service"
    systemd-analyze verify "$UNIT_DIR/socketio-server-tls.service"
    sed "s|/opt/my-app|$TEMPLATE_DIR/dist|" Examples/Template/deploy/my-app.service >"$UNIT_DIR/my-app.service"
    systemd-analyze verify "$UNIT_DIR/my-app.service"
    echo "units verified"
  fi
  rm -rf "$TEMPLATE_DIR"
else
  step "portability: skipped (needs root for chroot)"
fi

# The official protocol suites and the official JavaScript client come from a mirror of
# socketio/socket.io (read at run time, never committed): `fetch github:socketio/socket.io`.
MIRROR="${SOCKETIO_MONOREPO_GIT:-}"
if [ -z "$MIRROR" ] && [ -d /work/.mirror/socketio+socket.io/repo ]; then
  MIRROR=/work/.mirror/socketio+socket.io/repo
fi
CHECK="$ROOT/../shared/conformance/check.sh"
# Starts `socketio-server MODE [OPTIONS] --port 0` and sets PORT from its "listening on" line.
start_server() {
  exec 3< <("$ROOT/.build/debug/socketio-server" "$@" --port 0 --log-level error)
  SERVER_PIDS+=($!)
  read -r line <&3
  PORT="${line##*:}"
}

if [ -n "$MIRROR" ] && command -v node >/dev/null; then
  step "end-to-end: the official socket.io-client 4.x bundle in Node"
  BUNDLE="$(mktemp -t socket.io.XXXXXX.js)"
  git --git-dir="$MIRROR" show HEAD:packages/socket.io/client-dist/socket.io.js >"$BUNDLE"
  # The pages and the bundle, served cross-origin by python (browser-client.html) and
  # same-origin by the server itself (--static-dir; browser-cookies.html needs its cookies).
  WWW="$(mktemp -d -t socketio-www.XXXXXX)"
  cp "$BUNDLE" "$WWW/socket.io.js"
  cp Tests/js/browser-client.html Tests/js/browser-cookies.html "$WWW/"
  MSGPACK_BUNDLE="$(mktemp -t socket.io.msgpack.XXXXXX.js)"
  git --git-dir="$MIRROR" show HEAD:packages/socket.io/client-dist/socket.io.msgpack.min.js >"$MSGPACK_BUNDLE"
  cp "$MSGPACK_BUNDLE" "$WWW/socket.io.msgpack.min.js"
  # --cookie io: the sticky cookie, and the e2e app's header hooks (issue 13) that the Node
  # client's `headers` mode and the cookie page check.
  start_server e2e --cookie io --static-dir "$WWW"
  node --no-warnings --experimental-websocket Tests/js/node-client-e2e.cjs "$BUNDLE" "http://127.0.0.1:$PORT"
  E2E_PORT="$PORT"
  step "end-to-end: connection state recovery with the official client in Node"
  start_server e2e --connection-state-recovery 60000
  RECOVERY_PORT="$PORT"
  node --no-warnings --experimental-websocket Tests/js/recovery-e2e.cjs "$BUNDLE" "http://127.0.0.1:$RECOVERY_PORT"
  # Issue 15: the official client suite's server, written with `import SocketIO` alone.
  step "end-to-end: the official client against Examples/ClientSuiteServer"
  exec 3< <(stdbuf -oL "$ROOT/.build/debug/client-suite-server-example" --port 0)  # line-buffered: it prints with print()
  SERVER_PIDS+=($!)
  read -r line <&3
  node --no-warnings --experimental-websocket Tests/js/client-suite-example.cjs "$BUNDLE" "http://127.0.0.1:${line##*:}"
  # The official suite's own files that test against its server (mocha, expect.js from apt).
  if ! command -v mocha >/dev/null || [ ! -d /usr/share/nodejs/expect.js ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mocha node-expect.js >/dev/null
  fi
  Tests/js/run-client-suite.sh "http://127.0.0.1:${line##*:}" "$MIRROR"

  # Compression (issue 14 item 4): permessage-deflate over Node's ws (and undici), off by default.
  step "compression: permessage-deflate with the official client in Node (e2e --per-message-deflate on)"
  start_server e2e --per-message-deflate on
  DEFLATE_PORT="$PORT"
  NODE_PATH="/usr/share/nodejs:$NODE_PEERS/node_modules" node --no-warnings --experimental-websocket Tests/js/compression-e2e.cjs \
    "$BUNDLE" "http://127.0.0.1:$DEFLATE_PORT" "http://127.0.0.1:$E2E_PORT"

  # The same client built with socket.io-msgpack-parser: every packet one binary message
  # holding a MessagePack map.
  step "end-to-end: the official socket.io.msgpack.min.js in Node, against e2e --parser msgpack"
  start_server e2e --parser msgpack --cookie io
  MSGPACK_PORT="$PORT"
  node --no-warnings --experimental-websocket Tests/js/node-client-e2e.cjs "$MSGPACK_BUNDLE" "http://127.0.0.1:$MSGPACK_PORT" msgpack
  PORT="$E2E_PORT"

  # TLS (issue 14): the same client over https:// and wss://, trusting a throwaway CA that
  # scripts/make-test-ca.sh makes with openssl (Node reads it from NODE_EXTRA_CA_CERTS).
  step "end-to-end: the official socket.io-client in Node over https:// and wss:// (--tls-cert)"
  TLS_CA="$(mktemp -d -t socketio-ca.XXXXXX)"
  ./scripts/make-test-ca.sh "$TLS_CA"
  start_server e2e --cookie io --static-dir "$WWW" --tls-cert "$TLS_CA/fullchain.pem" --tls-key "$TLS_CA/server.key"
  TLS_PORT="$PORT"
  NODE_EXTRA_CA_CERTS="$TLS_CA/ca.pem" node --no-warnings --experimental-websocket Tests/js/node-client-e2e.cjs "$BUNDLE" "https://127.0.0.1:$TLS_PORT"
  PORT="$E2E_PORT"

  if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "installing chromium (apt) for the browser test"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } || true
  fi
  if command -v chromium >/dev/null; then
    step "end-to-end: the official socket.io-client 4.x bundle in headless Chromium"
    exec 4< <(python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$WWW" 2>/dev/null)
    SERVER_PIDS+=($!)
    read -r line <&4
    WWW_PORT="$(echo "$line" | sed -E 's/.* port ([0-9]+).*/\1/')"
    node --no-warnings --experimental-websocket Tests/js/run-browser.cjs \
      "http://127.0.0.1:$WWW_PORT/browser-client.html?server=http://127.0.0.1:$PORT" "$WWW/screenshot.png" | tail -n 1
    step "end-to-end: the official socket.io.msgpack.min.js in headless Chromium, against e2e --parser msgpack"
    node --no-warnings --experimental-websocket Tests/js/run-browser.cjs \
      "http://127.0.0.1:$WWW_PORT/browser-client.html?server=http://127.0.0.1:$MSGPACK_PORT&client=socket.io.msgpack.min.js" \
      "$WWW/screenshot-msgpack.png" | tail -n 1
    step "end-to-end: the official socket.io-client in headless Chromium over https:// and wss://"
    # Chromium trusts the test server's key by its SPKI hash (no CA install needed headless);
    # the page comes from the TLS server itself, so it is a secure context.
    CHROMIUM_EXTRA_ARGS="--user-data-dir=$TLS_CA/chromium --ignore-certificate-errors-spki-list=$(cat "$TLS_CA/server.spki")" \
      node --no-warnings --experimental-websocket Tests/js/run-browser.cjs \
      "https://127.0.0.1:$TLS_PORT/static/browser-client.html?server=https://127.0.0.1:$TLS_PORT" "$WWW/screenshot-tls.png" | tail -n 1
    step "header hooks and cookies in headless Chromium (a same-origin page, the browser's cookie jar)"
    node --no-warnings --experimental-websocket Tests/js/run-browser.cjs \
      "http://127.0.0.1:$PORT/static/browser-cookies.html" "$WWW/cookies.png" "browser-cookies:" "browser-cookies: \d+ passed, 0 failed" | tail -n 1
    step "connection state recovery with the official client in headless Chromium"
    cp Tests/js/recovery-client.js Tests/js/recovery-client.html "$WWW/"
    node --no-warnings --experimental-websocket Tests/js/run-browser.cjs \
      "http://127.0.0.1:$WWW_PORT/recovery-client.html?server=http://127.0.0.1:$RECOVERY_PORT" "$WWW/recovery.png" \
      "recovery-browser:" "recovery-browser: [1-9][0-9]* passed, 0 failed" | tail -n 1
    step "compression: Chromium's own permessage-deflate against e2e --per-message-deflate on"
    cp Tests/js/compression-client.html "$WWW/"
    node --no-warnings --experimental-websocket Tests/js/run-browser.cjs \
      "http://127.0.0.1:$WWW_PORT/compression-client.html?server=http://127.0.0.1:$DEFLATE_PORT" "$WWW/compression.png" \
      "compression-browser:" "compression-browser: [1-9][0-9]* passed, 0 failed" | tail -n 1
    step "the demo page in headless Chromium (client served with --client-js)"
    exec 6< <("$ROOT/.build/debug/socketio-server" demo --port 0 --log-level error --client-js "$BUNDLE")
    SERVER_PIDS+=($!)
    read -r line <&6
    DEMO_PORT="${line##*:}"
    # ?selftest: the page sends a chat message and titles itself "demo: delivered" on its ack.
    node --no-warnings --experimental-websocket Tests/js/run-browser.cjs \
      "http://127.0.0.1:$DEMO_PORT/?selftest" "$WWW/demo.png" "demo:" "demo: delivered"
    echo "demo: chat message delivered and acknowledged in Chromium"
    step "the demo page on the MessagePack wire (--parser msgpack, socket.io.msgpack.min.js)"
    exec 7< <("$ROOT/.build/debug/socketio-server" demo --port 0 --log-level error --parser msgpack --client-js "$MSGPACK_BUNDLE")
    SERVER_PIDS+=($!)
    read -r line <&7
    DEMO_PORT="${line##*:}"
    node --no-warnings --experimental-websocket Tests/js/run-browser.cjs \
      "http://127.0.0.1:$DEMO_PORT/?selftest" "$WWW/demo-msgpack.png" "demo:" "demo: delivered"
    echo "demo (msgpack): chat message delivered and acknowledged in Chromium"
    # Issue 14, item 3: the official Admin UI's page, served from a local copy of its ui/dist.
    ADMIN_UI_GIT="${SOCKETIO_ADMIN_UI_GIT:-/work/.mirror/socketio+socket.io-admin-ui/repo}"
    if [ -d "$ADMIN_UI_GIT" ]; then
      step "the official Admin UI (@socket.io/admin-ui ui/dist, --admin-ui-dir) in headless Chromium"
      git --git-dir="$ADMIN_UI_GIT" archive HEAD ui/dist | tar -x -C "$WWW"
      exec 8< <("$ROOT/.build/debug/socketio-server" e2e --port 0 --log-level error --admin-auth admin:changeit \
        --admin-namespace /socket-admin --admin-ui-dir "$WWW/ui/dist")
      SERVER_PIDS+=($!)
      read -r line <&8
      ADMIN_PORT="${line##*:}"
      node --no-warnings --experimental-websocket Tests/js/admin-ui-browser.cjs "http://localhost:$ADMIN_PORT/admin/" \
        "http://127.0.0.1:$ADMIN_PORT" /socket-admin admin changeit "$ROOT/.build/admin-ui.png" "$VENV/bin/python"
    else
      step "the Admin UI in Chromium: skipped (no socketio/socket.io-admin-ui mirror; set SOCKETIO_ADMIN_UI_GIT)"
    fi
  else
    step "browser test: skipped (chromium not installable here)"
  fi
  rm -f "$BUNDLE" "$MSGPACK_BUNDLE"
  rm -rf "$TLS_CA"
else
  step "official socket.io-client in Node: skipped (no socketio/socket.io mirror or no node)"
fi

# The light client (issue 15): in Node against `socketio-server e2e` and against Node's
# socket.io 4.8 server (built by scripts/build-node-peers.sh), and the demo page, which loads
# it, in headless Chromium with no network: two pages chat and see their delivery acks.
if command -v node >/dev/null; then
  LIGHT_JS="$ROOT/Sources/SocketIO/LightClient/socket.io-light.js"
  step "the light client in Node against socketio-server e2e"
  node --no-warnings --experimental-websocket Tests/js/light-client-e2e.cjs "$LIGHT_JS" "$ROOT/.build/debug/socketio-server" e2e --log-level error
  if [ -n "${NODE_PEERS:-}" ]; then
    step "the light client in Node against Node's socket.io 4.8 server"
    NODE_PATH="/usr/share/nodejs:$NODE_PEERS/node_modules" node --no-warnings --experimental-websocket Tests/js/light-client-e2e.cjs \
      "$LIGHT_JS" node Tests/js/light-client-node-server.cjs
  else
    step "the light client against Node's socket.io: skipped (no Node peers, see scripts/build-node-peers.sh)"
  fi
  if command -v chromium >/dev/null; then
    step "the demo offline in headless Chromium: two pages chat on the embedded light client"
    start_server demo
    LIGHT_SHOTS="$(mktemp -d -t socketio-light.XXXXXX)"
    node --no-warnings --experimental-websocket Tests/js/demo-offline.cjs "http://127.0.0.1:$PORT/" "$LIGHT_SHOTS"
  fi
fi

if [ -n "$MIRROR" ] && [ -x "$CHECK" ]; then
  step "official protocol suites against socketio-server conformance"
  start_server conformance
  SOCKETIO_MONOREPO_GIT="$MIRROR" "$CHECK" "http://127.0.0.1:$PORT" | tail -n 4
else
  step "official protocol suites: skipped (no socketio/socket.io mirror; set SOCKETIO_MONOREPO_GIT)"
fi

step "fuzzers: scripts/fuzz.sh, ${FUZZ_SECONDS:-20} s per target"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}" ./scripts/fuzz.sh
