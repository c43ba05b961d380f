#!/usr/bin/env bash
# Builds the DocC documentation of every library module with warnings as errors: a broken
# ``link`` or a catalog that names a symbol that no longer exists fails the check.
#
#   1. `swift package dump-symbol-graph` builds the package (incremental after `swift build`)
#      and writes the public symbol graph of each module;
#   2. `docc convert` builds each module's catalog (Sources/<Module>/<Module>.docc) from its own
#      graphs, lowest layer first, each archive a dependency of the layers above it, so
#      ``EngineIO/HTTPServer`` in SocketIO resolves.
#
# Which public symbols lack a `///` comment is checked by scripts/check-format.sh
# (AllPublicDeclarationsHaveDocumentation).
#
# Usage: ./scripts/check-docs.sh                 (DOCS_SCRATCH_PATH=.build by default)
#        DOCS_OUTPUT=/tmp/docs ./scripts/check-docs.sh   to keep the .doccarchive folders
set -euo pipefail
cd "$(dirname "$0")/.."

SCRATCH="${DOCS_SCRATCH_PATH:-.build}"
OUT="${DOCS_OUTPUT:-$(mktemp -d -t socketio-docs.XXXXXX)}"
mkdir -p "$OUT"
[ -n "${DOCS_OUTPUT:-}" ] || trap 'rm -rf "$OUT"' EXIT

# Lowest layer first (Package.swift's header): each module's archive is a dependency of the
# modules after it.
MODULES=(EngineIOProtocol SocketIOProtocol EngineIO SocketIO SocketIOTesting SocketIOHummingbird SocketIORedisAdapter SocketIOAdmin SocketIOMacros)

DOCC="$(command -v docc || true)"
if [ -z "$DOCC" ]; then
  DOCC="$(dirname "$(readlink -f "$(command -v swift)")")/docc"
fi
[ -x "$DOCC" ] || { echo "docc not found (it ships with the Swift toolchain)" >&2; exit 1; }

echo "== symbol graphs (swift package dump-symbol-graph, scratch path $SCRATCH)"
# It also tries the test modules and fails on them unless the tests are built
# (`swift build --build-tests`); only the library modules' graphs matter here, and each must be
# written by this run.
touch "$OUT/start"
swift package --scratch-path "$SCRATCH" dump-symbol-graph \
  --minimum-access-level public --emit-extension-block-symbols >"$OUT/dump.log" 2>&1 || true
GRAPHS="$(sed -n 's/^Files written to //p' "$OUT/dump.log" | tail -n 1)"
for module in "${MODULES[@]}"; do
  if ! [ "$GRAPHS/$module.symbols.json" -nt "$OUT/start" ]; then
    cat "$OUT/dump.log"
    echo "no fresh symbol graph for $module" >&2
    exit 1
  fi
done

DEPENDENCIES=()
for module in "${MODULES[@]}"; do
  echo "== $module"
  mkdir -p "$OUT/graphs/$module"
  cp "$GRAPHS/$module.symbols.json" "$OUT/graphs/$module/"
  cp "$GRAPHS/$module"@*.symbols.json "$OUT/graphs/$module/" 2>/dev/null || true
  "$DOCC" convert "Sources/$module/$module.docc" \
    --additional-symbol-graph-dir "$OUT/graphs/$module" \
    --output-path "$OUT/$module.doccarchive" \
    --fallback-display-name "$module" --fallback-bundle-identifier "$module" \
    --enable-experimental-external-link-support \
    "${DEPENDENCIES[@]}" \
    --warnings-as-errors
  DEPENDENCIES+=(--dependency "$OUT/$module.doccarchive")
done
echo "documentation: ${#MODULES[@]} modules built without warnings${DOCS_OUTPUT:+ into $OUT}"
