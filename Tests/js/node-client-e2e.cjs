// The official socket.io-client (the 4.x browser bundle, passed as an argument) in Node,
// against `socketio-server e2e`, over websocket, polling and the upgrade.
//
// usage: node --experimental-websocket node-client-e2e.cjs BUNDLE URL [json|msgpack]
// The bundle is not committed; scripts/test.sh reads it from a socket.io mirror. With
// `msgpack`, BUNDLE is socket.io.msgpack.min.js (the client built with socket.io-msgpack-parser)
// and the server runs `e2e --parser msgpack`.
"use strict";

// Node 20 has WebSocket (with --experimental-websocket) but no XMLHttpRequest, which the
// bundle's polling transport uses: a minimal one on top of fetch.
class XMLHttpRequestShim {
  constructor() {
    this.readyState = 0;
    this.status = 0;
    this.responseText = "";
    this.withCredentials = false;
    this.headers = {};
  }
  open(method, url) {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }
  setRequestHeader(name, value) {
    this.headers[name] = value;
  }
  getResponseHeader(name) {
    return this.responseHeaders ? this.responseHeaders.get(name) : null;
  }
  send(body) {
    this.controller = new AbortController();
    fetch(this.url, { method: this.method, headers: this.headers, body: body ?? undefined, signal: this.controller.signal })
      .then(async (response) => {
        this.status = response.status;
        this.responseHeaders = response.headers;
        this.responseText = await response.text();
        this.finish();
      })
      .catch(() => {
        this.status = 0;
        this.finish();
      });
  }
  finish() {
    this.readyState = 4;
    if (this.onreadystatechange) this.onreadystatechange();
    if (this.status === 200 && this.onload) this.onload();
  }
  abort() {
    if (this.controller) this.controller.abort();
  }
}
globalThis.XMLHttpRequest = XMLHttpRequestShim;

// The bundle's polling encoder turns binary into base64 with FileReader.readAsDataURL.
class FileReaderShim {
  readAsDataURL(blob) {
    blob.arrayBuffer().then((buffer) => {
      this.result = `data:${blob.type || "application/octet-stream"};base64,${Buffer.from(buffer).toString("base64")}`;
      if (this.onload) this.onload();
    });
  }
}
globalThis.FileReader = FileReaderShim;

const [bundle, url, wire = "json"] = process.argv.slice(2);
const msgpack = wire === "msgpack";
const { io } = require(bundle);

let passed = 0;
let failed = 0;

function check(name, condition, detail) {
  if (condition) {
    passed++;
  } else {
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

// Options of the mode being run (forceBase64 for one of them), for every client it makes.
let modeOptions = {};

function connect(transports, nsp = "/", auth = {}) {
  return io(url + nsp, { transports, auth, forceNew: true, reconnection: false, ...modeOptions });
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const bytes = (value) => Buffer.from(value instanceof ArrayBuffer ? new Uint8Array(value) : value).toString("hex");
// The msgpack bundle's notepack writes an ArrayBuffer as `bin` (and a Uint8Array as a map of its
// indices, as a plain object): binary goes as ArrayBuffer on that wire.
const binary = (array) => (msgpack ? array.buffer : array);

async function run(label, transports) {
  const a = connect(transports, "/", { user: "ada" });
  const [welcome] = await once(a, "welcome");
  await once(a, "connect").catch(() => {});
  check(`${label} welcome`, welcome.sid === a.id && same(welcome.auth, { user: "ada" }), JSON.stringify(welcome));

  const echoed = await a.timeout(5000).emitWithAck("echo", { n: 1, list: ["x", null, true] }, "two");
  check(`${label} echo ack`, same(echoed, { n: 1, list: ["x", null, true] }), JSON.stringify(echoed));

  const blob = Uint8Array.from([0, 1, 2, 254, 255]);
  const [binaryBack] = await a.timeout(5000).emitWithAck("echo", { deep: [binary(blob)] }).then((value) => [value]);
  check(`${label} binary at depth`, bytes(binaryBack.deep[0]) === bytes(blob), JSON.stringify(binaryBack));

  check(`${label} nsp`, (await a.timeout(5000).emitWithAck("nsp")) === "/");

  const b = connect(transports);
  await once(b, "welcome");
  const room = `r-${a.id}`;
  check(`${label} join`, (await a.timeout(5000).emitWithAck("join", { room })) === room);
  const news = once(a, "news");
  check(`${label} to_room ack`, (await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: { hi: 1 } })) === true);
  const [newsData] = await news;
  check(`${label} to_room delivery`, same(newsData, { hi: 1 }), JSON.stringify(newsData));
  check(`${label} room_size`, (await b.timeout(5000).emitWithAck("room_size", { room })) === 1);

  const bcastA = once(a, "bcast");
  const bcastB = once(b, "bcast");
  b.emit("broadcast", "all", 2);
  check(`${label} broadcast`, same(await bcastA, ["all", 2]) && same(await bcastB, ["all", 2]));

  a.on("question", (q, callback) => callback(`A:${q}`));
  const answer = once(a, "answer");
  a.emit("ask_me", "Q?");
  check(`${label} ask_me`, same(await answer, ["A:Q?"]));

  const admin = connect(transports, "/admin", { token: "secret" });
  await once(admin, "connect");
  check(`${label} admin nsp`, (await admin.timeout(5000).emitWithAck("nsp")) === "/admin");
  admin.disconnect();

  const refused = connect(transports, "/admin", { token: "wrong" });
  const [error] = await once(refused, "connect_error");
  check(`${label} admin refused`, error.message === "unauthorized" && same(error.data, { code: 401 }), `${error.message} ${JSON.stringify(error.data)}`);
  refused.close();

  const kicked = once(a, "disconnect");
  a.emit("kick");
  const [reason] = await kicked;
  check(`${label} kick`, reason === "io server disconnect", reason);

  if (transports.length === 2) {
    check(`${label} upgraded`, b.io.engine.transport.name === "websocket", b.io.engine.transport.name);
  }
  b.disconnect();
}

(async () => {
  // undici's WebSocket does not keep Node's event loop alive; a pending ack would otherwise let
  // the process end silently.
  const keepAlive = setInterval(() => {}, 1000);
  // `forceBase64`: the client sends binary as `b<base64>` text frames and asks (`b64=1`) to get
  // it the same way (issue 13: the server used to close the connection).
  const modes = {
    websocket: [["websocket"], {}],
    polling: [["polling"], {}],
    upgrade: [["polling", "websocket"], {}],
    "websocket-base64": [["websocket"], { forceBase64: true }],
    "upgrade-base64": [["polling", "websocket"], { forceBase64: true }],
  };
  for (const [label, [transports, options]] of Object.entries(modes)) {
    modeOptions = options;
    try {
      await run(label, transports);
    } catch (error) {
      failed++;
      process.stdout.write(`  FAILED: ${label}: ${error.message}\n`);
    }
  }
  clearInterval(keepAlive);
  // Exit only once the line is written: on a pipe, process.exit() drops pending output.
  process.stdout.write(`node-client (${wire}): ${passed} passed, ${failed} failed\n`, () => process.exit(failed === 0 ? 0 : 1));
})();
