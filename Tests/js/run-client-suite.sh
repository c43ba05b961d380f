#!/usr/bin/env bash
# Runs the official socket.io-client test suite's server-facing files (test/socket.ts,
# test/connection-state-recovery.ts, test/retry.ts of packages/socket.io-client, read from a
# socket.io mirror at run time) with mocha against a server already listening at URL (the
# suite's own is http://localhost:3210): `client-suite-server-example`
# (Examples/ClientSuiteServer, issue 15). The client is the official 4.x bundle of the same mirror, in Node with
# Tests/js/node-shims.cjs. test/connection.ts needs packages we do not have (fake timers,
# has-cors, text-blob-builder) and test/node.ts and url.ts test the client alone: left out.
#
# Needs mocha and expect.js (Debian: mocha, node-expect.js) and tsc (node-typescript).
# usage: Tests/js/run-client-suite.sh [URL [MIRROR_GIT]]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
URL="${1:-http://127.0.0.1:3210}"
MIRROR="${2:-/work/.mirror/socketio+socket.io/repo}"
WORK="$(mktemp -d -t client-suite.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/support"
for file in socket.ts connection-state-recovery.ts retry.ts support/util.ts; do
  git --git-dir="$MIRROR" show "HEAD:packages/socket.io-client/test/$file" >"$WORK/$file"
done
git --git-dir="$MIRROR" show HEAD:packages/socket.io/client-dist/socket.io.js >"$WORK/socket.io.js"
# `import { io } from ".."` (the client's sources) becomes the bundle, and the suite's URL ours
# (`localhost` would be ::1 first in Node 20, where the server does not listen).
sed -i 's#from ".."#from "./client"#' "$WORK"/*.ts
sed -i "s#http://localhost:3210#$URL#" "$WORK/support/util.ts"
cat >"$WORK/client.js" <<JS
require("$ROOT/Tests/js/node-shims.cjs");
module.exports = require("./socket.io.js");
JS
# No type declarations here: tsc reports type errors and emits the JavaScript anyway.
(cd "$WORK" && tsc --module commonjs --target es2019 --esModuleInterop --skipLibCheck --noEmitOnError false \
  socket.ts connection-state-recovery.ts retry.ts support/util.ts >"$WORK/tsc.log" 2>&1) || true
for file in socket connection-state-recovery retry; do
  [ -f "$WORK/$file.js" ] || { echo "tsc emitted no $file.js"; tail -5 "$WORK/tsc.log"; exit 1; }
done
cd "$WORK"
NODE_PATH=/usr/share/nodejs NODE_OPTIONS="--experimental-websocket --no-warnings" \
  mocha --exit --timeout 10000 socket.js connection-state-recovery.js retry.js
