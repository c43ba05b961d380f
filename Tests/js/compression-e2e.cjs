// Compression with the official socket.io-client 4.x bundle in Node (issue 14 item 4), over
// Node's `ws` package, which offers permessage-deflate (`client_max_window_bits`) as browsers do.
//
// usage: NODE_PATH=/usr/share/nodejs node --experimental-websocket compression-e2e.cjs BUNDLE URL [URL_WITHOUT_DEFLATE]
// URL runs `socketio-server e2e --per-message-deflate on`; URL_WITHOUT_DEFLATE (optional) runs
// e2e with the default (off, as Node). The server's own counters (`compression_stats`) show
// what went compressed on the wire.
"use strict";
const WS = require("ws");

// Node 20's built-in WebSocket (undici): does it offer permessage-deflate? Reported, not
// required (browsers and ws do; the bundle in Node uses whichever WebSocket it is given).
const UndiciWebSocket = globalThis.WebSocket;

// The bundle takes `WebSocket` when it loads: ws, with its default perMessageDeflate offer.
const sockets = [];
class DeflateWebSocket extends WS {
  constructor(url, protocols) {
    super(url, protocols);
    sockets.push(this);
  }
}
globalThis.WebSocket = DeflateWebSocket;
require("./node-shims.cjs");

const [bundle, url, plainUrl] = process.argv.slice(2);
const { io } = require(bundle);

let passed = 0;
let failed = 0;
function check(name, condition, detail) {
  if (condition) passed++;
  else {
    failed++;
    process.stdout.write(`  FAILED: ${name}${detail ? ": " + detail : ""}\n`);
  }
}

function once(socket, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} in ${ms} ms`)), ms);
    socket.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

const connect = (base) => io(base, { transports: ["websocket"], forceNew: true, reconnection: false });
const stats = async (socket) => socket.timeout(5000).emitWithAck("compression_stats");
const delta = (after, before, key) => after[key] - before[key];

// About 10 KB of JSON, as the server's own big event.
const bigObject = {
  rows: Array.from({ length: 80 }, (_, i) => ({ id: 5000 + i * 37, label: `item ${i}`, price: (i * 1.37).toFixed(2), tags: ["a" + (i % 7), "b" + (i % 5)] })),
};

async function main() {
  const a = connect(url);
  await once(a, "connect");
  const wsA = sockets[sockets.length - 1];
  check("ws negotiated permessage-deflate", wsA.extensions === "permessage-deflate", JSON.stringify(wsA.extensions));

  // A 10 KB event with compress(true): one deflated message, a fraction of the bytes.
  let before = await stats(a);
  let big = once(a, "big");
  a.emit("big_event", { compress: true });
  let [event] = await big;
  check("big event arrives whole (compressed)", event.users.length === 56 && event.total === 56, JSON.stringify(event).slice(0, 80));
  let after = await stats(a);
  check("the server deflated it", delta(after, before, "ws_deflated_messages") === 1, JSON.stringify(after));
  const ratio = delta(after, before, "ws_deflated_bytes_out") / delta(after, before, "ws_deflated_bytes_in");
  check("to less than a third of its size", ratio > 0 && ratio < 0.34, String(ratio));

  // socket.compress(false).emit: the same event goes uncompressed.
  before = after;
  big = once(a, "big");
  a.emit("big_event", { compress: false });
  [event] = await big;
  check("big event arrives whole (compress false)", event.users.length === 56);
  after = await stats(a);
  check("compress(false) was not deflated", delta(after, before, "ws_deflated_messages") === 0, JSON.stringify(after));

  // A broadcast is encoded once and deflated per connection; compress(false) reaches both raw.
  const b = connect(url);
  await once(b, "connect");
  before = await stats(a);
  let both = Promise.all([once(a, "big"), once(b, "big")]);
  a.emit("big_event", { broadcast: true, compress: true });
  await both;
  after = await stats(a);
  check("a broadcast is deflated once per recipient", delta(after, before, "ws_deflated_messages") === 2, JSON.stringify(after));
  before = after;
  both = Promise.all([once(a, "big"), once(b, "big")]);
  a.emit("big_event", { broadcast: true, compress: false });
  await both;
  after = await stats(a);
  check("io.compress(false) broadcast is not deflated", delta(after, before, "ws_deflated_messages") === 0, JSON.stringify(after));

  // Client to server: ws deflates what it sends over its threshold; the server inflates it.
  before = after;
  const echoed = await a.timeout(5000).emitWithAck("echo", bigObject);
  check("a compressed client message is inflated and echoed", JSON.stringify(echoed) === JSON.stringify(bigObject));
  after = await stats(a);
  check("the server inflated it", delta(after, before, "ws_inflated_bytes_out") >= JSON.stringify(bigObject).length, JSON.stringify(after));
  a.close();
  b.close();

  // A decompression bomb: 2 MB of one letter deflates to about 2 KB; the server refuses to
  // inflate past maxPayload (1 MB) and closes with 1009, as Node's ws does.
  const code = await new Promise((resolve) => {
    const raw = new WS(url.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket");
    const timer = setTimeout(() => resolve("timeout"), 5000);
    raw.on("message", (data) => {
      if (String(data).startsWith("0")) raw.send("4" + "a".repeat(2_000_000));
    });
    raw.on("close", (closeCode) => {
      clearTimeout(timer);
      resolve(closeCode);
    });
    raw.on("error", () => {});
  });
  check("a decompression bomb is closed with 1009", code === 1009, String(code));

  // Node 20's built-in WebSocket (undici).
  if (UndiciWebSocket) {
    const offered = await new Promise((resolve) => {
      const raw = new UndiciWebSocket(url.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket");
      const timer = setTimeout(() => resolve("timeout"), 5000);
      raw.onopen = () => {
        clearTimeout(timer);
        resolve(raw.extensions);
        raw.close();
      };
      raw.onerror = () => resolve("error");
    });
    process.stdout.write(`  Node ${process.version} built-in WebSocket (undici) negotiated: ${JSON.stringify(offered)}\n`);
    check("undici's WebSocket connects (with or without deflate)", typeof offered === "string" && offered !== "timeout" && offered !== "error", String(offered));
  }

  // The default server (perMessageDeflate off, as Node): the same offer is not accepted.
  if (plainUrl) {
    const c = connect(plainUrl);
    await once(c, "connect");
    const wsC = sockets[sockets.length - 1];
    check("off by default: no extension negotiated", wsC.extensions === "", JSON.stringify(wsC.extensions));
    big = once(c, "big");
    c.emit("big_event", { compress: true });
    [event] = await big;
    check("and the big event arrives uncompressed", event.users.length === 56);
    c.close();
  }
}

main()
  .catch((error) => {
    failed++;
    process.stdout.write(`  FAILED: ${error.stack || error}\n`);
  })
  .finally(() => {
    console.log(`compression-node: ${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
  });
