#!/usr/bin/env bash
# Builds executable products of a Swift package as static, stripped files: dist/<product>.
# The package is yours (one that depends on swift-socketio) or this one (scripts/release.sh
# calls this). Prints each file's size and sha256.
#
# usage: static-release.sh [--package-path DIR] [--scratch-path DIR] [--output DIR] --product NAME [--product NAME ...]
#   --package-path  the package (default: the working directory)
#   --scratch-path  SwiftPM's build folder (default: DIR/.build-static; the debug build's
#                   .build stays as it is)
#   --output        where the files go (default: DIR/dist)
#   --product       an executable product of the package or of one of its dependencies
#                   (swift-socketio's own socketio-server, say); several build in the same
#                   scratch folder, so the second one reuses the first's modules
#
# From your own package, with swift-socketio resolved as a dependency:
#   swift package resolve
#   .build/checkouts/swift-socketio/scripts/static-release.sh --product my-app
#
# `-static-executable` links the Swift runtime, glibc and libstdc++ into the file, so it runs on
# any x86_64 Linux (glibc 2.31 bullseye to trixie, or a root with nothing but the file, /proc
# and /etc/hosts; see scripts/portability-test.sh). swift-socketio's server path uses no
# Foundation, so ICU and Foundation's data stay out unless your code imports Foundation (then
# they are linked in too: a much larger file, still one file).
set -euo pipefail

PACKAGE="."
SCRATCH=""
OUTPUT=""
PRODUCTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --package-path | --scratch-path | --output | --product)
      [ $# -ge 2 ] || { echo "static-release.sh: $1 needs a value" >&2; exit 64; } ;;&
    --package-path) PACKAGE="$2"; shift 2 ;;
    --scratch-path) SCRATCH="$2"; shift 2 ;;
    --output) OUTPUT="$2"; shift 2 ;;
    --product) PRODUCTS+=("$2"); shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "static-release.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done
[ ${#PRODUCTS[@]} -gt 0 ] || { echo "static-release.sh: name at least one --product (see --help)" >&2; exit 64; }
PACKAGE="$(cd "$PACKAGE" && pwd)"
SCRATCH="${SCRATCH:-$PACKAGE/.build-static}"
OUTPUT="${OUTPUT:-$PACKAGE/dist}"

LOG="$(mktemp -t static-release.XXXXXX)"
trap 'rm -f "$LOG"' EXIT
mkdir -p "$OUTPUT"
for product in "${PRODUCTS[@]}"; do
  # `-Xlinker --icf=safe`: the linker folds identical functions whose address is never taken
  # (Swift's generic specialisations and thunks, BoringSSL's twins): 208 KiB less (issue 15: the
  # embedded light client had taken socketio-server 2.6 KB over its budget, 18,877,040 bytes;
  # with this, 18,664,048). `--icf=all` would fold 64 KiB more but also functions compared by address.
  # `-Xcc -Os`: the C targets (BoringSSL above all, and NIO's shims) optimised for size, as the
  # Swift code is with -Osize: 0.4 MiB less (17.49 against 17.89 MiB with TLS, issue 14).
  # BoringSSL's ciphers and curves run in its assembly, which -Os leaves alone.
  if ! swift build --package-path "$PACKAGE" -c release --product "$product" --scratch-path "$SCRATCH" \
    -Xswiftc -static-executable -Xswiftc -Osize -Xcc -Os -Xlinker --icf=safe >"$LOG" 2>&1; then
    cat "$LOG" >&2
    echo "static-release.sh: the build of $product failed" >&2
    exit 1
  fi
  # glibc warns that getpwnam & co. would need its shared NSS modules at run time; the server
  # never calls them (host names come from /etc/hosts, see BindAddress).
  grep -v "statically linked applications requires at runtime" "$LOG" | tail -n 1
  cp "$SCRATCH/release/$product" "$OUTPUT/$product"
  strip "$OUTPUT/$product"
  bytes=$(stat -c %s "$OUTPUT/$product")
  echo "$OUTPUT/$product: $bytes bytes ($(awk "BEGIN { printf \"%.2f\", $bytes / 1048576 }") MiB)"
  sha256sum "$OUTPUT/$product"
done
