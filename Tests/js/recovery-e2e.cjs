// Connection state recovery with the official socket.io-client bundle in Node (issue 13).
// usage: node --experimental-websocket recovery-e2e.cjs BUNDLE.js URL
//   URL: a `socketio-server e2e --connection-state-recovery MS` server.
"use strict";
const path = require("path");
const [bundle, url] = process.argv.slice(2);
require("./node-shims.cjs");
const { io } = require(bundle);
const run = require(path.join(__dirname, "recovery-client.js"));

(async () => {
  const keepAlive = setInterval(() => {}, 1000);
  const { passed, failed } = await run(io, url, (line) => process.stdout.write(line + "\n"));
  clearInterval(keepAlive);
  process.stdout.write(`recovery-node: ${passed} passed, ${failed} failed\n`, () => process.exit(failed === 0 && passed > 0 ? 0 : 1));
})();
