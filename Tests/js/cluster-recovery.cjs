// Connection state recovery across the servers of a Redis Streams cluster, with the official
// socket.io-client bundle in Node (issue 13): recovery-client.js's scenario, where the client
// drops from server FROM and reconnects to server TO, and the events it misses are sent from TO.
// usage: node --experimental-websocket cluster-recovery.cjs BUNDLE.js FROM_URL TO_URL LABEL
"use strict";
const path = require("path");
const [bundle, from, to, label] = process.argv.slice(2);
require("./node-shims.cjs");
const { io } = require(bundle);
const run = require(path.join(__dirname, "recovery-client.js"));

(async () => {
  const keepAlive = setInterval(() => {}, 1000);
  const log = (line) => process.stdout.write(`${label}: ${line}\n`);
  const { passed, failed } = await run(io, from, log, { to, streamOffsets: true });
  clearInterval(keepAlive);
  process.stdout.write(`cluster-recovery ${label}: ${passed} passed, ${failed} failed\n`, () => process.exit(failed === 0 && passed > 0 ? 0 : 1));
})();
