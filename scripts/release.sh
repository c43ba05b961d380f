#!/usr/bin/env bash
# Builds a statically linked, stripped release binary of this package: dist/<product>, with
# scripts/static-release.sh (which builds any package's products, your own app's too).
#
# usage: scripts/release.sh [PRODUCT]     (default: socketio-server)
#   SOCKETIO_RELEASE_SCRATCH      SwiftPM's build folder (default .build-static)
#   SOCKETIO_RELEASE_PACKAGE      build PRODUCT from this package instead, one that depends on
#                                 this checkout (scripts/template-test.sh builds socketio-server
#                                 in its template app's scratch folder, so CI pays for one
#                                 release build of the library, not two)
#
# `-static-executable` links the Swift runtime, glibc and libstdc++ into the binary, so it runs
# on any x86_64 Linux (glibc 2.31 bullseye to trixie, or a root with nothing but the binary,
# /proc and /etc/hosts; see scripts/portability-test.sh). The server path uses no Foundation,
# so ICU and Foundation's data stay out. Prints the size and the sha256.
set -euo pipefail
cd "$(dirname "$0")/.."
PRODUCT="${1:-socketio-server}"

./scripts/static-release.sh --package-path "${SOCKETIO_RELEASE_PACKAGE:-.}" \
  --scratch-path "${SOCKETIO_RELEASE_SCRATCH:-.build-static}" --output "$PWD/dist" --product "$PRODUCT"
BYTES=$(stat -c %s "dist/$PRODUCT")
# The budget: 18 MiB for socketio-server. Issue #4 set 15 MiB; issue 13 added the Redis Streams
# adapter, connection state recovery and the header hooks (15.08 MiB, budget 16 MiB), and
# issue 14 linked swift-nio-ssl (BoringSSL) in for TLS on the port and to Redis: 18 MiB. Pulling in Foundation or the regex engine (about 1.4 MiB) by accident
# still shows up here first.
LIMIT="${SOCKETIO_MAX_BINARY_BYTES:-18874368}"
if [ "$PRODUCT" = socketio-server ] && [ "$BYTES" -gt "$LIMIT" ]; then
  echo "release.sh: dist/$PRODUCT is $BYTES bytes, over the $LIMIT-byte budget" >&2
  exit 1
fi
