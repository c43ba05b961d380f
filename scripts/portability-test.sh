#!/usr/bin/env bash
# Runs dist/socketio-server (static, from scripts/release.sh) in other roots under chroot and
# drives it from outside with python-socketio clients: echo with acks (binary too), rooms and
# broadcasts, over websocket, polling and upgrade; then again over TLS (https:// and wss://,
# issue 14), with a certificate from a throwaway CA (scripts/make-test-ca.sh) copied into the
# root: BoringSSL is linked in, and needs nothing from the root.
#
# With --app, also a Socket.IO app of your own in each root (scripts/template-test.sh builds
# Examples/Template out of tree into one): copied to /app with its static/ folder, started with
# HOST, PORT and STATIC_DIR from the environment, and driven by Tests/template (the page,
# connect, acks, a room broadcast).
#
# usage: scripts/portability-test.sh [--app BINARY --app-static DIR] [ROOT ...]
#   ROOT: bullseye, bookworm, trixie (minbase Debian roots made with debootstrap and cached in
#   $SOCKETIO_ROOTFS_CACHE, default ~/.cache/swift-socketio/rootfs), or empty (a root holding
#   only the binary, /proc and /etc/hosts). Default: all four.
# Needs root (chroot, mount), debootstrap (installed from apt when missing) and the test venv
# (.venv, made by scripts/test.sh). The last line is "portability: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR="$PWD"
APP=""
APP_STATIC=""
while [ $# -gt 0 ]; do
  case "$1" in
    --app) APP="$(realpath "$2")"; shift 2 ;;
    --app-static) APP_STATIC="$(realpath "$2")"; shift 2 ;;
    *) break ;;
  esac
done
[ -z "$APP" ] || [ -n "$APP_STATIC" ] || { echo "portability-test.sh: --app needs --app-static" >&2; exit 64; }
ROOTS=("$@")
[ ${#ROOTS[@]} -gt 0 ] || ROOTS=(bullseye bookworm trixie empty)
CACHE="${SOCKETIO_ROOTFS_CACHE:-$HOME/.cache/swift-socketio/rootfs}"
VENV="${SOCKETIO_TEST_VENV:-$ROOT_DIR/.venv}"
BINARY="$ROOT_DIR/dist/socketio-server"

[ "$(id -u)" = 0 ] || { echo "portability-test.sh: needs root (chroot, mount)" >&2; exit 2; }
[ -x "$BINARY" ] || ./scripts/release.sh
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
fi
mkdir -p "$CACHE"

MOUNTED=()
SERVER_PID=""
cleanup() {
  [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
  for m in "${MOUNTED[@]}"; do umount "$m" 2>/dev/null || true; done
  [ -z "${TLS_CA:-}" ] || rm -rf "$TLS_CA"
}
trap cleanup EXIT

# Prints the root directory for $1, making (and caching) it first.
prepare_root() {
  local name="$1" dir
  if [ "$name" = empty ]; then
    dir="$(mktemp -d -t socketio-empty-root.XXXXXX)"
    mkdir -p "$dir/proc" "$dir/etc"
    printf '127.0.0.1 localhost\n::1 localhost\n' >"$dir/etc/hosts"
    cp "$BINARY" "$dir/socketio-server"
    echo "$dir"
    return
  fi
  dir="$CACHE/$name"
  if [ ! -d "$dir" ]; then
    echo "making a minbase $name root in $dir (debootstrap, cached)" >&2
    rm -rf "$dir.tmp"
    debootstrap --variant=minbase "$name" "$dir.tmp" http://deb.debian.org/debian >"$CACHE/$name.log" 2>&1 \
      || { tail -n 20 "$CACHE/$name.log" >&2; return 1; }
    mv "$dir.tmp" "$dir"
  fi
  cp "$BINARY" "$dir/socketio-server"
  echo "$dir"
}

TLS_CA="$(mktemp -d -t socketio-ca.XXXXXX)"
./scripts/make-test-ca.sh "$TLS_CA" >/dev/null
export SOCKETIO_TLS_CA="$TLS_CA"

# check_server WHAT VAR=URL PYTEST_ARG... -- COMMAND...
# Starts COMMAND (a server under chroot), reads its "listening on HOST:PORT" line, runs pytest
# with VAR=URL:PORT in its environment, and stops the server. Fails when either does.
check_server() {
  local what="$1" url="$2" line status=0 tests=()
  shift 2
  while [ "$1" != "--" ]; do tests+=("$1"); shift; done
  shift
  exec 5< <("$@")
  SERVER_PID=$!
  read -r line <&5 || true
  if [[ "$line" != "listening on "* ]]; then
    echo "   $what did not start under chroot: $line"
    status=1
  else
    echo "   $what:"
    env "$url:${line##*:}" "$VENV/bin/python" -m pytest -q -p no:cacheprovider "${tests[@]}" 2>&1 | tail -n 1 || status=1
  fi
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  return "$status"
}

PASSED=0
FAILED=0
for name in "${ROOTS[@]}"; do
  echo
  echo "== $name"
  if ! dir="$(prepare_root "$name")"; then
    echo "   could not make the $name root"
    FAILED=$((FAILED + 1))
    continue
  fi
  if ! mountpoint -q "$dir/proc"; then
    mount -t proc proc "$dir/proc"
    MOUNTED+=("$dir/proc")
  fi
  libc="$(chroot "$dir" /bin/sh -c 'ldd --version 2>/dev/null | head -n 1' 2>/dev/null || echo 'no libc in this root')"
  echo "   root: $dir ($libc)"
  ok=1
  # A short drain: a python client whose last POST was cut off leaves its session until the
  # ping timeout, and the drain would wait for it.
  check_server "the server" SOCKETIO_SERVER_URL=http://127.0.0.1 \
    "$ROOT_DIR/Tests/e2e/test_e2e_sync.py" -k "echo or rooms or broadcast or welcome" \
    -- chroot "$dir" /socketio-server e2e --host 127.0.0.1 --port 0 --log-level warning --drain-timeout 1000 || ok=0

  # The same binary over TLS in the same root.
  mkdir -p "$dir/tls"
  cp "$TLS_CA/fullchain.pem" "$TLS_CA/server.key" "$dir/tls/"
  check_server "over TLS" SOCKETIO_TLS_SERVER_URL=https://localhost \
    "$ROOT_DIR/Tests/e2e/test_e2e_tls.py" -k "over_https or async_client or alpn or garbage or plain_http" \
    -- chroot "$dir" /socketio-server e2e --host 127.0.0.1 --port 0 --log-level warning --drain-timeout 1000 \
    --tls-cert /tls/fullchain.pem --tls-key /tls/server.key || ok=0
  rm -rf "$dir/tls"

  # The app of your own, in the same root, its settings from the environment.
  if [ -n "$APP" ]; then
    app_name="$(basename "$APP")"
    rm -rf "$dir/app"
    mkdir -p "$dir/app"
    cp "$APP" "$dir/app/$app_name"
    cp -R "$APP_STATIC" "$dir/app/static"
    check_server "$app_name (your own app)" SOCKETIO_TEMPLATE_URL=http://127.0.0.1 "$ROOT_DIR/Tests/template" \
      -- env HOST=127.0.0.1 PORT=0 STATIC_DIR=/app/static chroot "$dir" "/app/$app_name" || ok=0
    rm -rf "$dir/app"
  fi
  if [ "$ok" = 1 ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
  umount "$dir/proc" 2>/dev/null || true
  [ "$name" != empty ] || rm -rf "$dir"
done
echo
echo "portability: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
