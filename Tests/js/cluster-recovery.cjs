// Connection state recovery across the servers of a Redis Streams cluster, with the official
// socket.io-client bundle in Node (issue 13): a client connected to server FROM, in a room and
// with data, drops its transport; meanwhile another client on server TO sends events to the
// room; the client reconnects to TO (not where it was) and must come back recovered there: the
// same id, its room and data, and every missed event once, in order, before the next live one.
//
// For each transport mode and each way a connection drops (the client closes its transport, as
// Node's own tests force it; the server drops it without a DISCONNECT, as a network failure).
// usage: node --experimental-websocket cluster-recovery.cjs BUNDLE.js FROM_URL TO_URL LABEL
"use strict";
const [bundle, from, to, label] = process.argv.slice(2);
require("./node-shims.cjs");
const { io } = require(bundle);

function once(socket, event, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} in ${ms || 5000} ms`)), ms || 5000);
    socket.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

function until(check, what, ms) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > (ms || 5000)) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 10);
  });
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

async function scenario(name, transports, drop, check) {
  const a = io(from, { transports, forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200, randomizationFactor: 0 });
  await once(a, "connect");
  check(`${name}: first connect is not a recovery`, a.recovered === false, String(a.recovered));
  const room = `cluster-${a.id}`;
  await a.timeout(5000).emitWithAck("join", { room });
  await a.timeout(5000).emitWithAck("set_data", { user: "ada" });
  const b = io(to, { transports, forceNew: true, reconnection: false });
  await once(b, "connect");

  const got = [];
  const offsets = [];
  a.on("news", (n, offset) => {
    got.push(n);
    offsets.push(offset);
  });
  // From the other server, through the stream: it comes with that entry's id as its offset.
  await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: 0 });
  await until(() => got.length === 1, "the first event");
  check(`${name}: the event carries a stream id as its offset`, /^[0-9]+-[0-9]+$/.test(offsets[0] || ""), String(offsets[0]));
  const firstID = a.id;

  // The next connection goes to the other server.
  a.io.uri = to;
  // What the reconnection went through, printed when it fails.
  const trace = [];
  a.io.on("reconnect_attempt", (n) => trace.push(`reconnect_attempt ${n}`));
  a.io.on("reconnect_error", (error) => trace.push(`reconnect_error ${error && error.message}`));
  a.on("connect_error", (error) => trace.push(`connect_error ${error && error.message}`));
  a.on("disconnect", (why) => trace.push(`disconnect ${why}`));
  const disconnected = once(a, "disconnect");
  drop(a);
  const [reason] = await disconnected;
  for (let n = 1; n <= 5; n++) {
    await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: n });
  }
  await once(a, "connect", 10000).catch((error) => {
    throw new Error(`${error.message}; ${trace.join(", ")}`);
  });
  check(`${name}: recovered on the other server (after "${reason}")`, a.recovered === true, String(a.recovered));
  check(`${name}: same id`, a.id === firstID, `${a.id} vs ${firstID}`);
  await until(() => got.length >= 6, "the missed events");
  await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: 6 });
  await until(() => got.length >= 7, "the live event");
  check(`${name}: missed events once, in order, then live`, same(got, [0, 1, 2, 3, 4, 5, 6]), JSON.stringify(got));
  const id = (offset) => offset.split("-").map(BigInt);
  const after = (x, y) => x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);
  const sorted = offsets.every((offset, index) => index === 0 || after(id(offset), id(offsets[index - 1])));
  check(`${name}: offsets in stream order`, sorted, JSON.stringify(offsets));
  const [me] = await a.timeout(5000).emitWithAck("whoami").then((value) => [value]);
  check(
    `${name}: room and data restored`,
    me.recovered === true && me.id === firstID && me.rooms.includes(room) && same(me.data, { user: "ada" }),
    JSON.stringify(me)
  );
  a.disconnect();
  b.disconnect();
}

(async () => {
  const keepAlive = setInterval(() => {}, 1000);
  let passed = 0;
  let failed = 0;
  const check = (name, ok, detail) => {
    if (ok) {
      passed++;
    } else {
      failed++;
      process.stdout.write(`  FAILED: ${name}${detail ? `: ${detail}` : ""}\n`);
    }
  };
  const modes = { websocket: ["websocket"], polling: ["polling"], upgrade: ["polling", "websocket"] };
  const drops = {
    "client closes": (socket) => socket.io.engine.close(),
    "server drops": (socket) => socket.emit("drop_transport"),
  };
  for (const [mode, transports] of Object.entries(modes)) {
    for (const [how, drop] of Object.entries(drops)) {
      const name = `${label}, ${mode}, ${how}`;
      try {
        await scenario(name, transports, drop, check);
      } catch (error) {
        failed++;
        process.stdout.write(`  FAILED: ${name}: ${error.message}\n`);
      }
    }
  }
  clearInterval(keepAlive);
  process.stdout.write(`cluster-recovery ${label}: ${passed} passed, ${failed} failed\n`, () => process.exit(failed === 0 && passed > 0 ? 0 : 1));
})();
