// The light client (socket.io-light.js, served by socketio-server) against a real server, run in
// Node 20 (global WebSocket with --experimental-websocket, fetch for long-polling): connect,
// namespaces on one connection, acks both ways, binary, auth and connect_error from a middleware,
// timeouts, server disconnect, reconnection after a dropped transport and after a server restart,
// and the polling fallback against a server that has no WebSocket. Then hostile servers: a fake
// Engine.IO endpoint answering garbage must close the connection with a logged error (no uncaught
// exception), and one that never pings must time out.
//
// usage: node --experimental-websocket light-client-e2e.cjs LIGHT_JS SERVER_COMMAND...
//   SERVER_COMMAND gets `--port P` (and `--transports polling` for the fallback) appended and must
//   print "listening on HOST:PORT": `socketio-server e2e --log-level error`, or
//   `node light-client-node-server.cjs`.
"use strict";
const { spawn } = require("child_process");
const http = require("http");
const net = require("net");

const [lightJS, ...serverCommand] = process.argv.slice(2);
const io = require(require("path").resolve(lightJS));
let passed = 0;
const failures = [];
const check = (name, ok, detail = "") => {
  if (ok) passed++;
  else failures.push(`${name} ${detail}`);
};
process.on("uncaughtException", (e) => failures.push(`uncaught exception: ${e.stack}`));
process.on("unhandledRejection", (e) => failures.push(`unhandled rejection: ${e && e.stack}`));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const next = (emitter, event, ms = 10000) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
  emitter.once(event, (...args) => { clearTimeout(timer); resolve(args); });
});
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const startServer = async (port, extra = []) => {
  const [command, ...args] = serverCommand;
  const child = spawn(command, [...args, "--port", String(port), ...extra], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => { out += chunk; if (out.includes("listening on")) resolve(); });
    child.on("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  return child;
};
const stopServer = (child) => new Promise((resolve) => { child.once("exit", resolve); child.kill("SIGTERM"); });
const fast = { reconnectionDelay: 100, reconnectionDelayMax: 300, forceNew: true };

async function main() {
  const port = await freePort();
  let server = await startServer(port);
  const url = `http://127.0.0.1:${port}`;
  try {
    // Connect over WebSocket (the default), and the greeting the server sends on connection.
    const socket = io(url, { ...fast, auth: { user: "light" }, autoConnect: false });
    const welcome = next(socket, "welcome");
    socket.connect();
    await next(socket, "connect");
    const [hello] = await welcome;
    check("connect: id", typeof socket.id === "string" && socket.connected && socket.active);
    check("connect: the welcome names this socket and its auth", hello.sid === socket.id && hello.auth.user === "light", JSON.stringify(hello));
    check("connect: websocket by default", socket.io.engine.transport.name === "websocket", socket.io.engine.transport.name);

    // Acks from the server: callback, promise, timeout flavour, several arguments.
    const [echoed] = await new Promise((resolve) => socket.emit("echo", { a: [1, "two", null] }, (...args) => resolve(args)));
    check("ack: callback", JSON.stringify(echoed) === '{"a":[1,"two",null]}', JSON.stringify(echoed));
    check("ack: emitWithAck", (await socket.emitWithAck("echo", "é ✓ \u2028")) === "é ✓ \u2028");
    const [error, value] = await new Promise((resolve) => socket.timeout(2000).emit("echo", 42, (...args) => resolve(args)));
    check("ack: timeout(ms).emit gives (null, value)", error === null && value === 42, `${error} ${value}`);
    check("ack: timeout(ms).emitWithAck", (await socket.timeout(2000).emitWithAck("echo", "t")) === "t");
    const timedOut = await new Promise((resolve) => socket.timeout(150).emit("no_such_event", 1, (e) => resolve(e)));
    check("ack: times out on an event nobody acks", timedOut instanceof Error && timedOut.message === "operation has timed out", String(timedOut));

    // Binary attachments, both ways: top level and nested.
    const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
    const [binary, nested] = await socket.timeout(2000).emitWithAck("echo", bytes, { n: 1, blob: bytes.buffer, list: [bytes] }).then(
      () => new Promise((resolve) => socket.emit("echo", bytes, { n: 1, blob: bytes.buffer, list: [bytes] }, (...args) => resolve(args))),
    );
    const same = (b) => b instanceof ArrayBuffer && Buffer.from(b).equals(Buffer.from(bytes));
    check("binary: top-level attachment round trip", same(binary), String(binary));
    check("binary: nested attachments", nested && nested.n === 1 && same(nested.blob) && same(nested.list[0]), JSON.stringify(nested));

    // The server asks, the light client answers with an ack.
    socket.on("question", (question, callback) => callback(`re: ${question}`));
    socket.emit("ask_me", "ready?");
    const [answer] = await next(socket, "answer");
    check("ack to the server", answer === "re: ready?", JSON.stringify(answer));

    // Namespaces share the connection (multiplexing), and the middleware's auth.
    const admin = io(`${url}/admin`, { auth: { token: "secret" } });
    const root = io(url);
    const adminOnRoot = io(`${url}/admin`, { auth: { token: "wrong" } });
    const [rootConnected, refused] = [next(root, "connect"), next(adminOnRoot, "connect_error")];
    await next(admin, "connect");
    check("namespace: /admin and / share one manager", admin.io === root.io, "");
    check("namespace: /admin answers as /admin", (await admin.emitWithAck("nsp")) === "/admin");
    await rootConnected;
    check("namespace: / on the same connection", (await root.emitWithAck("nsp")) === "/");
    // A second socket for /admin gets a manager of its own (as the official client).
    check("namespace: same namespace twice gets its own connection", adminOnRoot.io !== admin.io);
    const [refusal] = await refused;
    check("auth: connect_error from the middleware", refusal.message === "unauthorized" && refusal.data && refusal.data.code === 401, JSON.stringify(refusal));
    await sleep(400);
    check("auth: no retry after a middleware refusal", !adminOnRoot.connected && !adminOnRoot.active);
    admin.disconnect();
    root.disconnect();
    check("disconnect: the shared connection stays while a namespace uses it", true);

    // The server disconnects the socket: "io server disconnect", and no reconnection.
    const kicked = io(url, fast);
    await next(kicked, "connect");
    kicked.emit("kick");
    const [kickReason] = await next(kicked, "disconnect");
    check("server disconnect: reason", kickReason === "io server disconnect", kickReason);
    await sleep(500);
    check("server disconnect: stays disconnected", !kicked.connected && !kicked.active);

    // The server drops the transport: "transport close", then a reconnection.
    const firstId = socket.id;
    socket.emit("drop_transport");
    const [dropReason] = await next(socket, "disconnect");
    check("dropped transport: reason", dropReason === "transport close", dropReason);
    await next(socket, "connect", 5000);
    check("dropped transport: reconnected with a new id", socket.connected && socket.id !== firstId);
    check("dropped transport: acks after the reconnection", (await socket.emitWithAck("echo", "again")) === "again");

    // The server restarts: "transport close", connect_error while it is down, then back.
    const errors = [];
    socket.on("connect_error", (e) => errors.push(e));
    const attempts = [];
    socket.io.on("reconnect_attempt", (n) => attempts.push(n));
    const down = next(socket, "disconnect");
    await stopServer(server);
    const [restartReason] = await down;
    check("server restart: disconnect reason", restartReason === "transport close" || restartReason === "transport error", restartReason);
    const buffered = new Promise((resolve) => socket.emit("echo", "sent while down", (v) => resolve(v)));
    await sleep(900);
    server = await startServer(port);
    const [reconnectAttempts] = await next(socket.io, "reconnect", 5000);
    await (socket.connected ? Promise.resolve() : next(socket, "connect"));
    check("server restart: connect_error while down", errors.length >= 1, String(errors.length));
    check("server restart: backoff counted the attempts", attempts.length >= 2 && reconnectAttempts === attempts[attempts.length - 1], `${attempts} ${reconnectAttempts}`);
    check("server restart: an emit buffered while down is delivered", (await Promise.race([buffered, sleep(3000)])) === "sent while down");
    socket.disconnect();
    check("client disconnect: state", !socket.connected && socket.id === undefined);

    // Reserved names cannot be emitted.
    let threw = false;
    try { socket.emit("connect"); } catch { threw = true; }
    check("reserved event names throw", threw);
  } finally {
    await stopServer(server);
  }

  // The fallback: a server without WebSocket; the default transports end on long-polling.
  const pollingPort = await freePort();
  const pollingServer = await startServer(pollingPort, ["--transports", "polling"]);
  try {
    const socket = io(`http://127.0.0.1:${pollingPort}`, fast);
    await next(socket, "connect");
    check("polling fallback: connected", socket.io.engine.transport.name === "polling", socket.io.engine.transport.name);
    check("polling fallback: ack", (await socket.emitWithAck("echo", { over: "polling" })).over === "polling");
    const bytes = Uint8Array.from([9, 8, 7, 0, 255]);
    const echoed = await socket.emitWithAck("echo", bytes);
    check("polling fallback: binary (base64 on the wire)", echoed instanceof ArrayBuffer && Buffer.from(echoed).equals(Buffer.from(bytes)));
    socket.on("question", (q, callback) => callback(q + "!"));
    socket.emit("ask_me", "poll");
    check("polling fallback: ack to the server", (await next(socket, "answer"))[0] === "poll!");
    const big = "x".repeat(200_000);
    check("polling fallback: a 200 KB event", (await socket.emitWithAck("echo", big)) === big);
    socket.emit("drop_transport");
    await next(socket, "disconnect");
    await next(socket, "connect");
    check("polling fallback: reconnected", socket.connected);
    socket.disconnect();
  } finally {
    await stopServer(pollingServer);
  }

  await hostileServers();
}

// A fake Engine.IO endpoint over long-polling: the handshake, then `script[i]` as the body of
// the i-th GET after it (a GET without an entry hangs); POSTs answer "ok".
function fakeServer(handshake, script) {
  return new Promise((resolve) => {
    let gets = 0;
    const server = http.createServer((request, response) => {
      if (request.method === "POST") { request.resume(); response.end("ok"); return; }
      if (!request.url.includes("sid=")) { response.end("0" + JSON.stringify(handshake)); return; }
      const body = script[gets++];
      if (body !== undefined) response.end(body);
    });
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function hostileServers() {
  const handshake = { sid: "fake", upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6 };
  const garbage = [
    ["an unknown Engine.IO type", ["9"]],
    ["a Socket.IO packet that is not JSON", ["40{\"sid\":\"s\"}\x1e42[\"ok\"\x1e"]],
    ["a CONNECT without sid", ["40{\"sid\":1}"]],
    ["an event that is not an array", ["40{\"sid\":\"s\"}\x1e42{\"a\":1}"]],
    ["a placeholder out of range", ["40{\"sid\":\"s\"}\x1e451-[\"x\",{\"_placeholder\":true,\"num\":3}]\x1ebAAE="]],
    ["text where an attachment belongs", ["40{\"sid\":\"s\"}\x1e451-[\"x\",{\"_placeholder\":true,\"num\":0}]\x1e42[\"y\"]"]],
    ["a binary message out of the blue", ["40{\"sid\":\"s\"}\x1ebAAE="]],
    ["bad base64", ["40{\"sid\":\"s\"}\x1eb!!!"]],
    ["an unknown Socket.IO type", ["40{\"sid\":\"s\"}\x1e47[]"]],
  ];
  const logged = [];
  const consoleError = console.error;
  console.error = (...args) => logged.push(args.join(" "));
  try {
    for (const [name, script] of garbage) {
      const server = await fakeServer(handshake, script);
      const socket = io(`http://127.0.0.1:${server.address().port}`, { transports: ["polling"], reconnection: false, forceNew: true });
      let reason;
      try {
        [reason] = await next(socket.io, "close", 3000);
      } catch {
        reason = socket.connected ? "still connected" : "no close";
      }
      check(`hostile server, ${name}: closed as a parse error`, reason === "parse error", reason);
      socket.disconnect();
      server.close();
      server.closeAllConnections();
    }
    check("hostile server: each close is logged", logged.filter((l) => l.includes("malformed")).length === garbage.length, logged.join(" | "));
    // A garbled handshake is a connection error, not a crash.
    const badOpen = await fakeServer("not json", []);
    badOpen.removeAllListeners("request");
    badOpen.on("request", (request, response) => response.end("0{nope"));
    const early = io(`http://127.0.0.1:${badOpen.address().port}`, { transports: ["polling"], reconnection: false, forceNew: true });
    const [openError] = await next(early, "connect_error", 3000);
    check("hostile server: a garbled open packet is a connect_error", openError instanceof Error, String(openError));
    badOpen.close();
    badOpen.closeAllConnections();
    // Heartbeat: a server that stops pinging is gone after pingInterval + pingTimeout.
    const silent = await fakeServer({ ...handshake, pingInterval: 200, pingTimeout: 100 }, ["40{\"sid\":\"s\"}"]);
    const socket = io(`http://127.0.0.1:${silent.address().port}`, { transports: ["polling"], reconnection: false, forceNew: true });
    await next(socket, "connect", 3000);
    const started = Date.now();
    const [reason] = await next(socket, "disconnect", 3000);
    const waited = Date.now() - started;
    check("heartbeat: no ping within pingInterval + pingTimeout is a ping timeout", reason === "ping timeout" && waited >= 200 && waited < 1500, `${reason} after ${waited} ms`);
    silent.close();
    silent.closeAllConnections();
  } finally {
    console.error = consoleError;
  }
}

main()
  .catch((error) => failures.push(`aborted: ${error.stack}`))
  .then(() => {
    for (const failure of failures) console.log(`FAIL ${failure}`);
    console.log(`light-client: ${passed} passed, ${failures.length} failed`);
    process.exit(failures.length ? 1 : 0);
  });
