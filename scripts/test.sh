#!/usr/bin/env bash
# Runs every test of swift-socketio on a fresh Debian/Ubuntu machine with Swift 6:
#   1. installs what the tests need (python-socketio and friends from PyPI into .venv;
#      Node's mocha/ws from apt for the protocol suites, when run as root);
#   2. `swift test` (codecs, engine through EmbeddedChannel, Socket.IO on a live loopback server);
#   3. end-to-end tests: `socketio-server e2e` driven by python-socketio's Client and AsyncClient
#      over websocket, polling and upgrade;
#   4. the official Engine.IO v4 / Socket.IO v5 suites against `socketio-server conformance`,
#      when a mirror of socketio/socket.io is available (SOCKETIO_MONOREPO_GIT).
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

step "swift build"
swift build --build-tests

step "swift test"
swift test --skip-build

step "end-to-end: python-socketio against socketio-server e2e"
SOCKETIO_SERVER_BIN="$ROOT/.build/debug/socketio-server" "$VENV/bin/python" -m pytest -q Tests/e2e

MIRROR="${SOCKETIO_MONOREPO_GIT:-}"
if [ -z "$MIRROR" ] && [ -d /work/.mirror/socketio+socket.io/repo ]; then
  MIRROR=/work/.mirror/socketio+socket.io/repo
fi
CHECK="$ROOT/../shared/conformance/check.sh"
if [ -n "$MIRROR" ] && [ -x "$CHECK" ]; then
  step "official protocol suites against socketio-server conformance"
  exec 3< <("$ROOT/.build/debug/socketio-server" conformance --port 0 --log-level error)
  SERVER_PID=$!
  trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
  read -r line <&3
  PORT="${line##*:}"
  SOCKETIO_MONOREPO_GIT="$MIRROR" "$CHECK" "http://127.0.0.1:$PORT" | tail -n 4
else
  step "official protocol suites: skipped (no socketio/socket.io mirror; set SOCKETIO_MONOREPO_GIT)"
fi
