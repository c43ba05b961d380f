// The official socket.io-client (the 4.x browser bundle) in Node against
// `client-suite-server-example` (Examples/ClientSuiteServer): the checks of the official
// client suite (packages/socket.io-client/test/socket.ts, connection.ts) that exercise the
// server's part, over websocket and polling. The server is written with `import SocketIO`
// alone (issue 15).
//
// usage: node --experimental-websocket client-suite-example.cjs BUNDLE URL
"use strict";
require("./node-shims.cjs");
const assert = require("assert");
const [bundle, url] = process.argv.slice(2);
const { io } = require(bundle);

function connect(path, options) {
  return io(url + path, { forceNew: true, reconnection: false, ...options });
}

function once(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event}`)), 5000);
    socket.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

async function suite(transports) {
  const socket = connect("/", { transports });
  await once(socket, "connect");

  // socket.ts: the ids match.
  const id = await socket.timeout(5000).emitWithAck("getId");
  assert.strictEqual(id, socket.id);
  assert.notStrictEqual(id, socket.io.engine.id);

  // Dates: `new Date()` on the server is `Date.toJSON()` text on the wire.
  const acked = await socket.timeout(5000).emitWithAck("getAckDate", { test: true });
  assert.match(acked, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(new Date(acked).getTime() - Date.now()) < 60000);
  socket.emit("getDate");
  const [taken] = await once(socket, "takeDate");
  assert.strictEqual(new Date(taken).toJSON(), taken);
  socket.emit("getDateObj");
  const [object] = await once(socket, "takeDateObj");
  assert.strictEqual(new Date(object.date).toJSON(), object.date);

  // The server's emit with a reply closure (`socket.emit("ack", (a, b) => …)`).
  socket.on("ack", (callback) => callback(5, { test: true }));
  socket.emit("ack");
  await once(socket, "got it");

  // Binary in and out.
  socket.emit("doge");
  const [doge] = await once(socket, "doge");
  assert.strictEqual(Buffer.from(doge).toString(), "asdfasdf");
  socket.emit("buffa", Buffer.from("asdfasdf"));
  await once(socket, "buffack");
  socket.emit("jsonbuff", { hello: "lol", message: Buffer.from("asdfasdf"), goodbye: "gotcha" });
  await once(socket, "jsonbuff-ack");
  socket.emit("abuff1", Buffer.from("abuff1"));
  socket.emit("abuff2", Buffer.from("abuff2"));
  await once(socket, "abuff2-ack");
  socket.emit("blob1", Buffer.from("asdf"));
  socket.emit("blob2", "second");
  socket.emit("blob3", Buffer.from("asdf"));
  await once(socket, "blob3-ack");

  // The handshake, Node's object.
  const handshake = await socket.timeout(5000).emitWithAck("getHandshake");
  assert.deepStrictEqual(Object.keys(handshake), ["headers", "time", "address", "xdomain", "secure", "issued", "url", "query", "auth"]);
  assert.strictEqual(handshake.secure, false);
  assert.strictEqual(handshake.query.EIO, "4");
  assert.ok(!Number.isNaN(new Date(handshake.time).getTime()));

  // A handler awaiting the client's ack while the client first waits for a later event's reply.
  socket.on("question", async (question, callback) => {
    const released = await socket.timeout(3000).emitWithAck("askBack-release");
    callback(`${question} ${released}`);
  });
  const answer = await socket.timeout(5000).emitWithAck("askBack", "q");
  assert.strictEqual(answer, "q released");
  socket.disconnect();

  const abc = connect("/abc", { transports });
  const [abcHandshake] = await once(abc, "handshake");
  assert.strictEqual(typeof abcHandshake.issued, "number");
  abc.disconnect();

  const refused = connect("/no", { transports });
  const [error] = await once(refused, "connect_error");
  assert.strictEqual(error.message, "Auth failed (custom namespace)");
  refused.disconnect();

  const failing = io(url + "/?fail=true", { forceNew: true, reconnection: false, transports });
  const [mainError] = await once(failing, "connect_error");
  assert.strictEqual(mainError.message, "Auth failed (main namespace)");
  failing.disconnect();
  console.log(`ok: ${transports.join("+")}`);
}

(async () => {
  await suite(["websocket"]);
  await suite(["polling"]);
  await suite(["polling", "websocket"]);
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
