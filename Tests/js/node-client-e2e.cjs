// The official socket.io-client (the 4.x browser bundle, passed as an argument) in Node,
// against `socketio-server e2e`, over websocket, polling and the upgrade.
//
// usage: node --experimental-websocket node-client-e2e.cjs BUNDLE URL [json|msgpack]
// The server runs with `--cookie io`, which turns on the e2e app's header hooks (the `headers`
// mode checks them). The bundle is not committed; scripts/test.sh reads it from a socket.io
// mirror. With `msgpack`, BUNDLE is socket.io.msgpack.min.js (the client built with
// socket.io-msgpack-parser) and the server runs `e2e --parser msgpack`.
"use strict";
const net = require("net");
const tls = require("tls");

// What the client's transports saw, with times (ms), for the modes that check the wire itself:
// every polling request and its answer, and every message a WebSocket received.
const xhrLog = [];
const wsLog = [];

// Node 20 lacks XMLHttpRequest and FileReader, which the bundle uses: node-shims.cjs. Its
// XMLHttpRequest is extended here to log each polling request and its answer.
require("./node-shims.cjs");
class LoggedXMLHttpRequest extends globalThis.XMLHttpRequest {
  send(body) {
    this.entry = { method: this.method, url: this.url, sentAt: Date.now() };
    xhrLog.push(this.entry);
    super.send(body);
  }
  finish() {
    if (this.status !== 0) {
      Object.assign(this.entry, { status: this.status, headers: this.responseHeaders, body: this.responseText, doneAt: Date.now() });
    }
    super.finish();
  }
}
globalThis.XMLHttpRequest = LoggedXMLHttpRequest;

// Node's WebSocket, wrapped to log what arrives (the time of `3probe`) and, when a mode asks,
// to open an upgrade probe (a WebSocket with a sid) late: a slow WebSocket handshake, so the
// probe starts once the client is connected and idle, with a poll waiting. The bundle takes
// the constructor when it loads, so the wrapper goes in first.
const NodeWebSocket = globalThis.WebSocket;
let probeDelayMs = 0;
class WatchedWebSocket {
  constructor(url, protocols) {
    this.url = url;
    this._binaryType = "blob";
    this._closed = false;
    const open = () => {
      if (this._closed) return;
      const ws = protocols ? new NodeWebSocket(url, protocols) : new NodeWebSocket(url);
      ws.binaryType = this._binaryType;
      ws.onopen = (event) => this.onopen && this.onopen(event);
      ws.onclose = (event) => this.onclose && this.onclose(event);
      ws.onerror = (event) => this.onerror && this.onerror(event);
      ws.onmessage = (event) => {
        wsLog.push({ url, data: typeof event.data === "string" ? event.data : "<binary>", at: Date.now() });
        if (this.onmessage) this.onmessage(event);
      };
      this.ws = ws;
    };
    if (probeDelayMs > 0 && /[?&]sid=/.test(url)) setTimeout(open, probeDelayMs);
    else open();
  }
  get readyState() {
    return this.ws ? this.ws.readyState : 0;
  }
  get binaryType() {
    return this.ws ? this.ws.binaryType : this._binaryType;
  }
  set binaryType(value) {
    this._binaryType = value;
    if (this.ws) this.ws.binaryType = value;
  }
  send(data) {
    this.ws.send(data);
  }
  close(...args) {
    this._closed = true;
    if (this.ws) this.ws.close(...args);
  }
}
globalThis.WebSocket = WatchedWebSocket;

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

// Upgrade with a poll waiting (issue 13): the server answers `2probe` with `3probe` at once and
// releases the waiting poll with a noop on its next 100 ms check (Node's checkIntervalTimer),
// so the client can pause polling and send `5`. Without that noop the poll would wait for the
// next ping (25 s) and the upgrade with it; with it sent at once, the noop would come before
// the client has `3probe`.
async function upgradeWithAPollWaiting(label) {
  probeDelayMs = 300;
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const polls = xhrLog.length;
      const messages = wsLog.length;
      const socket = connect(["polling", "websocket"]);
      await once(socket, "welcome");
      const engine = socket.io.engine;
      const sid = engine.id;
      if (engine.transport.name !== "websocket") await once(engine, "upgrade");
      const upgradedAt = Date.now();
      const probeAnswer = wsLog.slice(messages).find((m) => m.url.includes(`sid=${sid}`) && m.data === "3probe");
      const waiting = xhrLog
        .slice(polls)
        .find((r) => r.method === "GET" && r.url.includes(`sid=${sid}`) && probeAnswer && r.sentAt <= probeAnswer.at && r.doneAt >= probeAnswer.at);
      socket.disconnect();
      // The client's next poll may have been on its way when `3probe` came: try again.
      if (!waiting) continue;
      check(`${label} the waiting poll ends with a noop`, waiting.body === "6", JSON.stringify(waiting.body));
      const delay = waiting.doneAt - probeAnswer.at;
      check(`${label} the noop comes after 3probe, on the 100 ms check`, delay >= 50 && delay < 1000, `${delay} ms`);
      check(`${label} the upgrade completes promptly`, upgradedAt - probeAnswer.at < 1000, `${upgradedAt - probeAnswer.at} ms`);
      return;
    }
    check(`${label} a poll waited while the probe was answered`, false, "no poll pending at 3probe in 3 tries");
  } finally {
    probeDelayMs = 0;
  }
}

// The head of the server's answer to a raw WebSocket upgrade request: [status, [[name, value]...]].
function rawUpgrade(path) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Over https:// the same request goes through TLS (NODE_EXTRA_CA_CERTS trusts the test CA).
    const secure = url.startsWith("https:");
    const connectRaw = secure ? (cb) => tls.connect({ port: Number(port), host: hostname, servername: net.isIP(hostname) ? undefined : hostname }, cb) : (cb) => net.connect(Number(port), hostname, cb);
    const socket = connectRaw(() => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
    });
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the upgrade ${path}`));
    }, 5000);
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      clearTimeout(timer);
      socket.destroy();
      const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
      const headers = lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]);
      resolve([Number(statusLine.split(" ")[1]), headers]);
    });
    socket.on("error", reject);
  });
}

const values = (headers, name) => headers.filter(([key]) => key === name).map(([, value]) => value);

// The header hooks (issue 13), on what the official client's own requests got back: the
// sticky cookie (`--cookie io`) and `initialHeaders` on the handshake only, `headers` on every
// polling answer and on each WebSocket's 101; and what a hook copies from the request with
// CR LF in it never reaches the wire.
async function headerHooks(label) {
  const polls = xhrLog.length;
  const socket = connect(["polling", "websocket"]);
  await once(socket, "welcome");
  check(`${label} echo over polling`, (await socket.timeout(5000).emitWithAck("echo", "x")) === "x");
  const engine = socket.io.engine;
  const sid = engine.id;
  if (engine.transport.name !== "websocket") await once(engine, "upgrade");
  const mine = xhrLog.slice(polls).filter((r) => r.doneAt && (r.url.includes(`sid=${sid}`) || String(r.body).startsWith(`0{"sid":"${sid}"`)));
  const handshake = mine.find((r) => !r.url.includes("sid="));
  const rest = mine.filter((r) => r !== handshake);
  check(`${label} the client's handshake was seen`, handshake !== undefined);
  if (handshake) {
    const cookies = handshake.headers.getSetCookie();
    check(`${label} handshake: the sticky cookie`, cookies.includes(`io=${sid}; Path=/; HttpOnly; SameSite=Lax`), JSON.stringify(cookies));
    check(`${label} handshake: initialHeaders' cookie`, cookies.some((c) => /^e2e_app=[0-9a-f]+; Path=\/; SameSite=Lax$/.test(c)), JSON.stringify(cookies));
    check(`${label} handshake: initialHeaders`, handshake.headers.get("x-e2e-initial") === "1");
    check(`${label} handshake: headers`, handshake.headers.get("x-e2e-headers") === "polling");
    check(`${label} handshake: no-store`, handshake.headers.get("cache-control") === "no-store");
  }
  check(`${label} polling GETs and POSTs after the handshake`, rest.some((r) => r.method === "GET") && rest.some((r) => r.method === "POST"));
  for (const r of rest) {
    const name = `${label} ${r.method} ${r.status}`;
    check(`${name}: headers on every answer`, r.headers.get("x-e2e-headers") === "polling", r.headers.get("x-e2e-headers"));
    check(`${name}: no initialHeaders`, r.headers.get("x-e2e-initial") === null && r.headers.getSetCookie().length === 0);
    check(`${name}: no-store`, r.headers.get("cache-control") === "no-store");
  }
  socket.disconnect();

  // The 101s, which the client's WebSocket does not show: raw requests next to it.
  const [directStatus, direct] = await rawUpgrade("/socket.io/?EIO=4&transport=websocket");
  check(`${label} websocket handshake: 101`, directStatus === 101, String(directStatus));
  check(`${label} websocket handshake: sticky cookie`, values(direct, "set-cookie").some((c) => /^io=[\w-]{20}; Path=\/; HttpOnly; SameSite=Lax$/.test(c)), JSON.stringify(direct));
  check(`${label} websocket handshake: initialHeaders`, values(direct, "x-e2e-initial")[0] === "1" && values(direct, "set-cookie").some((c) => c.startsWith("e2e_app=")));
  check(`${label} websocket handshake: headers`, values(direct, "x-e2e-headers")[0] === "websocket");
  const open = await (await fetch(`${url}/socket.io/?EIO=4&transport=polling`)).text();
  const pollingSid = JSON.parse(open.slice(1)).sid;
  const [upgradeStatus, upgrade] = await rawUpgrade(`/socket.io/?EIO=4&transport=websocket&sid=${pollingSid}`);
  check(`${label} upgrade: 101`, upgradeStatus === 101, String(upgradeStatus));
  check(`${label} upgrade: headers`, values(upgrade, "x-e2e-headers")[0] === "websocket", JSON.stringify(upgrade));
  check(`${label} upgrade: no initialHeaders`, values(upgrade, "x-e2e-initial").length === 0 && values(upgrade, "set-cookie").length === 0, JSON.stringify(upgrade));
  await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${pollingSid}`, { method: "POST", body: "1" });

  // A hook that copies a query parameter: fine as is, dropped with CR LF in it.
  const fine = await fetch(`${url}/socket.io/?EIO=4&transport=polling&echo=fine`);
  check(`${label} a copied value goes out`, fine.headers.get("x-e2e-echo") === "fine");
  await fine.text();
  const split = await fetch(`${url}/socket.io/?EIO=4&transport=polling&echo=a%0D%0ASet-Cookie:%20evil=1`);
  const splitBody = await split.text();
  check(
    `${label} CR LF from the request cannot split the response`,
    split.status === 200 && splitBody.startsWith('0{"sid":"') && split.headers.get("x-e2e-echo") === null && !split.headers.getSetCookie().some((c) => c.startsWith("evil")),
    JSON.stringify([...split.headers]),
  );
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
  modeOptions = {};
  for (const [label, scenario] of [["upgrade-noop", upgradeWithAPollWaiting], ["headers", headerHooks]]) {
    try {
      await scenario(label);
    } catch (error) {
      failed++;
      process.stdout.write(`  FAILED: ${label}: ${error.message}\n`);
    }
  }
  clearInterval(keepAlive);
  // Exit only once the line is written: on a pipe, process.exit() drops pending output.
  process.stdout.write(`node-client (${wire}): ${passed} passed, ${failed} failed\n`, () => process.exit(failed === 0 ? 0 : 1));
})();
