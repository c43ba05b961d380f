// `encode` and `decode` as @msgpack/msgpack 2.8 exports them, over notepack.io: the one
// dependency of @socket.io/redis-streams-adapter that is not mirrored here. Written for the
// tests' Node peer (scripts/build-node-peers.sh installs it as node_modules/@msgpack/msgpack).
//
// Where the two differ on what the adapter sends, this follows @msgpack/msgpack:
// - `undefined` is written as nil (notepack 2.x writes fixext 1 of type 0);
// - any ArrayBuffer or typed array is written as `bin`, and `bin` is read back as bytes.
"use strict";
const notepack = require("notepack.io");

function normalize(value) {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object") return value;
  if (Buffer.isBuffer(value)) return value;
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(normalize);
  const object = {};
  for (const key of Object.keys(value)) object[key] = normalize(value[key]);
  return object;
}

exports.encode = (value) => notepack.encode(normalize(value));
exports.decode = (bytes) => notepack.decode(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
