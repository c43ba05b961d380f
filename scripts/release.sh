#!/usr/bin/env bash
# Builds a statically linked, stripped release binary: dist/<product>.
#
# usage: scripts/release.sh [PRODUCT]     (default: socketio-server)
#
# `-static-executable` links the Swift runtime, glibc and libstdc++ into the binary, so it runs
# on any x86_64 Linux (glibc 2.31 bullseye to trixie, or a root with nothing but the binary,
# /proc and /etc/hosts; see scripts/portability-test.sh). The server path uses no Foundation,
# so ICU and Foundation's data stay out. Prints the size and the sha256.
set -euo pipefail
cd "$(dirname "$0")/.."
PRODUCT="${1:-socketio-server}"
SCRATCH="${SOCKETIO_RELEASE_SCRATCH:-.build-static}"

LOG="$(mktemp -t release-build.XXXXXX)"
trap 'rm -f "$LOG"' EXIT
# `-Xcc -Os`: the C targets (BoringSSL above all, and NIO's shims) optimised for size, as the
# Swift code is with -Osize: 0.4 MiB less (17.49 against 17.89 MiB with TLS, issue 14).
# BoringSSL's ciphers and curves run in its assembly, which -Os leaves alone.
# `-Xlinker --icf=safe`: the linker folds identical functions whose address is never taken
# (Swift's generic specialisations and thunks, BoringSSL's twins): 208 KiB less (issue 15: the
# embedded light client had taken the binary 2.6 KB over the budget, 18,877,040 bytes; with
# this, 18,664,048). `--icf=all` would fold 64 KiB more but also functions compared by address.
if ! swift build -c release --product "$PRODUCT" --scratch-path "$SCRATCH" \
  -Xswiftc -static-executable -Xswiftc -Osize -Xcc -Os -Xlinker --icf=safe >"$LOG" 2>&1; then
  cat "$LOG" >&2
  echo "release.sh: the build failed" >&2
  exit 1
fi
# glibc warns that getpwnam & co. would need its shared NSS modules at run time; the server
# never calls them (host names come from /etc/hosts, see BindAddress).
grep -v "statically linked applications requires at runtime" "$LOG" | tail -n 1
BIN="$SCRATCH/release/$PRODUCT"

mkdir -p dist
cp "$BIN" "dist/$PRODUCT"
strip "dist/$PRODUCT"
BYTES=$(stat -c %s "dist/$PRODUCT")
echo "dist/$PRODUCT: $BYTES bytes ($(awk "BEGIN { printf \"%.2f\", $BYTES / 1048576 }") MiB)"
sha256sum "dist/$PRODUCT"
# The budget: 18 MiB for socketio-server. Issue #4 set 15 MiB; issue 13 added the Redis Streams
# adapter, connection state recovery and the header hooks (15.08 MiB, budget 16 MiB), and
# issue 14 linked swift-nio-ssl (BoringSSL) in for TLS on the port and to Redis: 18 MiB. Pulling in Foundation or the regex engine (about 1.4 MiB) by accident
# still shows up here first.
LIMIT="${SOCKETIO_MAX_BINARY_BYTES:-18874368}"
if [ "$PRODUCT" = socketio-server ] && [ "$BYTES" -gt "$LIMIT" ]; then
  echo "release.sh: dist/$PRODUCT is $BYTES bytes, over the $LIMIT-byte budget" >&2
  exit 1
fi
