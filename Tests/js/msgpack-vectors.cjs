// The wire bytes of Tests/SocketIOProtocolTests/MessagePackPacketTests.swift: Socket.IO packets
// as the real notepack.io (the encoder of socket.io-msgpack-parser 3.0) writes them, shaped as
// the official JS client and the Node server build them (socket.io-client `lib/socket.ts`,
// socket.io `lib/socket.ts`). Each line is `label hex`, then whether socket.io-msgpack-parser's
// Decoder accepts it (`ok`) or the error its checkPacket throws.
//
// scripts/test.sh checks that the output is still Tests/js/msgpack-vectors.txt.
//
// usage: NODE_PATH=/usr/share/nodejs:DIR/node_modules node Tests/js/msgpack-vectors.cjs
//   where DIR/node_modules holds notepack.io and socket.io-msgpack-parser from their mirrors
//   (scripts/build-node-peers.sh puts both there); node Tests/js/msgpack-vectors.cjs HEX...
//   instead decodes our encoder's bytes with the same Decoder and prints each packet as JSON.
"use strict";
const notepack = require("notepack.io");
const { Decoder } = require("socket.io-msgpack-parser");

function check(buffer) {
  try {
    const decoder = new Decoder();
    let decoded;
    decoder.on("decoded", (packet) => (decoded = packet));
    decoder.add(buffer);
    return { ok: true, decoded };
  } catch (error) {
    return { ok: false, error: error.message };
  }
}

const hexes = process.argv.slice(2);
if (hexes.length > 0) {
  for (const hex of hexes) {
    const result = check(Buffer.from(hex, "hex"));
    const replacer = (key, value) => (value && value.type === "Buffer" ? { buffer: Buffer.from(value.data).toString("hex") } : value);
    console.log(result.ok ? JSON.stringify(result.decoded, replacer) : `error: ${result.error}`);
  }
  process.exit(0);
}

const vectors = [
  // What the Node server sends (key order type, data, id, nsp, as ours).
  ["serverConnect", { type: 0, data: { sid: "oSO0OpakMV_3jnilAAAA" }, nsp: "/" }],
  ["serverEvent", { type: 2, data: ["news", { hi: 1 }], nsp: "/" }],
  ["serverEventWithAck", { type: 2, data: ["question", "Q?"], id: 12, nsp: "/chat" }],
  ["serverBinary", { type: 2, data: ["file", Buffer.from([1, 2, 3])], nsp: "/" }],
  ["serverConnectError", { type: 4, data: { message: "unauthorized", data: { code: 401 } }, nsp: "/admin" }],
  ["serverDisconnect", { type: 1, nsp: "/" }],
  ["serverAck", { type: 3, data: [{ n: 1, list: ["x", null, true] }, "two"], id: 300, nsp: "/" }],
  [
    "serverNumbers",
    { type: 2, data: ["n", 0, 127, 128, -1, -33, 255, 65536, 4294967296, -2147483649, 1.5, -0.25, 2.0, true, false, null, "é"], nsp: "/" },
  ],
  ["serverSizes", { type: 2, data: ["s", "x".repeat(40), Array.from({ length: 20 }, (_, i) => i), Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]))], nsp: "/" }],
  // What the official JS client sends: `options` on events, `data: undefined` without auth.
  ["clientConnectNoAuth", { type: 0, data: undefined, nsp: "/" }],
  ["clientConnectAuth", { type: 0, data: { token: "secret" }, nsp: "/admin" }],
  ["clientEvent", { type: 2, data: ["echo", { n: 1 }], options: { compress: true }, id: 7, nsp: "/" }],
  ["clientAck", { type: 3, id: 4, data: ["A:Q?"], nsp: "/" }],
  ["clientDisconnect", { type: 1, nsp: "/admin" }],
  // Node's notepack on an ArrayBuffer (ext 8 of type 0), `undefined` and a Date.
  ["arrayBuffer", { type: 2, data: ["ab", new Uint8Array([9, 8]).buffer], nsp: "/" }],
  ["undefinedValues", { type: 2, data: ["u", undefined, { a: undefined, b: 1 }], nsp: "/" }],
  ["date", { type: 2, data: ["d", new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))], nsp: "/" }],
  // python-socketio: `data: None` on CONNECT without auth and on DISCONNECT (checkPacket
  // refuses these; the Swift decoder takes nil as absent).
  ["pythonConnect", { type: 0, data: null, nsp: "/" }],
  ["pythonDisconnect", { type: 1, data: null, nsp: "/" }],
  // What checkPacket refuses.
  ["typeFive", { type: 5, data: ["x"], nsp: "/" }],
  ["typeString", { type: "2", data: ["x"], nsp: "/" }],
  ["typeFraction", { type: 2.5, data: ["x"], nsp: "/" }],
  ["noNamespace", { type: 2, data: ["x"] }],
  ["numberNamespace", { type: 2, data: ["x"], nsp: 1 }],
  ["connectArray", { type: 0, data: [1], nsp: "/" }],
  ["disconnectData", { type: 1, data: { a: 1 }, nsp: "/" }],
  ["eventObject", { type: 2, data: { a: 1 }, nsp: "/" }],
  ["ackNull", { type: 3, data: null, id: 1, nsp: "/" }],
  ["connectErrorNumber", { type: 4, data: 1, nsp: "/" }],
  ["idString", { type: 2, data: ["x"], id: "1", nsp: "/" }],
  ["idFraction", { type: 2, data: ["x"], id: 1.5, nsp: "/" }],
  ["notAMap", [2, ["x"], "/"]],
  // checkPacket accepts these; the Swift decoder refuses them, as its JSON wire does.
  ["reservedEvent", { type: 2, data: ["disconnect"], nsp: "/" }],
  ["emptyEvent", { type: 2, data: [], nsp: "/" }],
  ["ackWithoutID", { type: 3, data: [], nsp: "/" }],
  ["negativeID", { type: 2, data: ["x"], id: -1, nsp: "/" }],
];

for (const [label, value] of vectors) {
  const bytes = notepack.encode(value);
  const result = check(bytes);
  console.log(`${label} ${bytes.toString("hex")} ${result.ok ? "ok" : result.error}`);
}
