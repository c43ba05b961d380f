#!/usr/bin/env bash
# Builds the official Node peers of the Redis cluster tests into DIR/node_modules, from mirrors
# of their public repositories (read at run time, never committed):
#   socket.io 4.8, engine.io, engine.io-parser, socket.io-adapter   (socketio/socket.io)
#   @socket.io/redis-adapter 8.x                                     (socketio/socket.io-redis-adapter)
#   @socket.io/redis-emitter 5.x                                     (socketio/socket.io-redis-emitter)
#   notepack.io                                                      (darrachequesne/notepack)
#   @socket.io/redis-streams-adapter 0.3.x, when its mirror is here  (socketio/socket.io-redis-streams-adapter)
# The streams adapter's one dependency that is not mirrored, @msgpack/msgpack, is a shim of our
# own over notepack.io with the `encode`/`decode` it calls (Tests/js/msgpack-shim.cjs).
#   socket.io-msgpack-parser 3.0, when its mirror is here            (socketio/socket.io-msgpack-parser)
#     for the MessagePack benchmarks (benchmarks/apps/node_app.cjs PORT msgpack)
# TypeScript and the runtime dependencies (redis, ws, debug, cors, accepts, cookie, base64id,
# socket.io-parser, component-emitter) come from Debian's packages; run with NODE_PATH=/usr/share/nodejs:DIR/node_modules.
# There is no @types/node here, so tsc reports type errors and emits the JavaScript anyway.
# Usage: scripts/build-node-peers.sh DIR   (exits 2 when a mirror is missing)
set -euo pipefail
OUT="$1"
MIRRORS="${SOCKETIO_MIRRORS:-/work/.mirror}"
MONO="${SOCKETIO_MONOREPO_GIT:-$MIRRORS/socketio+socket.io/repo}"
ADAPTER="$MIRRORS/socketio+socket.io-redis-adapter/repo"
EMITTER="$MIRRORS/socketio+socket.io-redis-emitter/repo"
NOTEPACK="$MIRRORS/darrachequesne+notepack/repo"
STREAMS="$MIRRORS/socketio+socket.io-redis-streams-adapter/repo"
MSGPACK_PARSER="$MIRRORS/socketio+socket.io-msgpack-parser/repo"
for git in "$MONO" "$ADAPTER" "$EMITTER" "$NOTEPACK"; do
  [ -d "$git" ] || { echo "missing mirror: $git"; exit 2; }
done
DEBIAN_PACKAGES="node-typescript node-redis node-ws node-debug node-cors node-accepts node-cookie node-base64id node-socket.io-parser node-component-emitter"
if ! command -v tsc >/dev/null || [ ! -d /usr/share/nodejs/redis ] || [ ! -d /usr/share/nodejs/socket.io-parser ] \
  || [ ! -d /usr/share/nodejs/component-emitter ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $DEBIAN_PACKAGES >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $DEBIAN_PACKAGES >/dev/null; }
fi

# Copies lib/, tsconfig.json and package.json of `sub` (a folder of the repository, or "") out
# of a bare mirror (git archive would trip over the LFS files the mirrors lack).
extract() {
  local git=$1 sub=$2 dest=$3 prefix=""
  [ -n "$sub" ] && prefix="$sub/"
  for file in $(git --git-dir="$git" ls-tree -r --name-only HEAD -- "${prefix}lib" "${prefix}tsconfig.json" "${prefix}package.json"); do
    mkdir -p "$dest/$(dirname "${file#"$prefix"}")"
    git --git-dir="$git" show "HEAD:$file" >"$dest/${file#"$prefix"}"
  done
}

build() {
  local name=$1 git=$2 sub=$3 main=$4
  local dir="$OUT/node_modules/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  extract "$git" "$sub" "$dir"
  sed -i '/"types":/d' "$dir/tsconfig.json"
  (cd "$dir" && tsc -p tsconfig.json --skipLibCheck --noEmitOnError false >"$dir/tsc.log" 2>&1) || true
  [ -f "$dir/$main" ] || { echo "$name: tsc emitted nothing"; tail -5 "$dir/tsc.log"; exit 1; }
  echo "$name $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$dir/package.json" | head -1)"
}

mkdir -p "$OUT/node_modules/@socket.io" "$OUT/node_modules/notepack.io" "$OUT/node_modules/uid2"
extract "$NOTEPACK" "" "$OUT/node_modules/notepack.io"
build engine.io-parser "$MONO" packages/engine.io-parser build/cjs/index.js
build engine.io "$MONO" packages/engine.io build/engine.io.js
build socket.io-adapter "$MONO" packages/socket.io-adapter dist/index.js
build socket.io "$MONO" packages/socket.io dist/index.js
build @socket.io/redis-adapter "$ADAPTER" "" dist/index.js
build @socket.io/redis-emitter "$EMITTER" "" dist/index.js
# socket.io-msgpack-parser: one plain index.js (notepack.io and component-emitter underneath).
if [ -d "$MSGPACK_PARSER" ]; then
  rm -rf "$OUT/node_modules/socket.io-msgpack-parser"
  mkdir -p "$OUT/node_modules/socket.io-msgpack-parser"
  for file in index.js package.json; do
    git --git-dir="$MSGPACK_PARSER" show "HEAD:$file" >"$OUT/node_modules/socket.io-msgpack-parser/$file"
  done
  echo "socket.io-msgpack-parser $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$OUT/node_modules/socket.io-msgpack-parser/package.json" | head -1)"
else
  echo "socket.io-msgpack-parser: no mirror at $MSGPACK_PARSER (the Node MessagePack benchmark is skipped)"
fi
# uid2 1.0.0, the adapter's one small dependency Debian lacks: uid(length), alphanumeric.
cat >"$OUT/node_modules/uid2/index.js" <<'JS'
const crypto = require("crypto");
const CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
module.exports = (length) => Array.from(crypto.randomBytes(length), (byte) => CHARS[byte % CHARS.length]).join("");
JS

if [ -d "$STREAMS" ]; then
  mkdir -p "$OUT/node_modules/@msgpack/msgpack"
  cp "$(dirname "$0")/../Tests/js/msgpack-shim.cjs" "$OUT/node_modules/@msgpack/msgpack/index.js"
  printf '{ "name": "@msgpack/msgpack", "version": "0.0.0-notepack-shim", "main": "index.js" }\n' >"$OUT/node_modules/@msgpack/msgpack/package.json"
  build @socket.io/redis-streams-adapter "$STREAMS" "" dist/index.js
else
  echo "@socket.io/redis-streams-adapter: skipped (no mirror at $STREAMS)"
fi
