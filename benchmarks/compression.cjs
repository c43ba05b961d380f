// Compression cost and gain (issue 14 item 4): bytes on the wire and server CPU per message for
// the e2e app's 10 KB JSON event, over WebSocket (permessage-deflate on and off) and polling
// (gzip and identity), against `socketio-server e2e` started here.
//
// usage: NODE_PATH=/usr/share/nodejs node benchmarks/compression.cjs SERVER_BINARY [MESSAGES]
// Prints a Markdown table. The client is Node's `ws` (it offers permessage-deflate as browsers
// do) and plain `http` with keep-alive; messages go one at a time (request, then the event),
// so the server's CPU time over the run divided by the count is its cost per message.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const http = require("http");
const WS = require("ws");

const [binary, countArg = "2000"] = process.argv.slice(2);
const children = [];
process.on("exit", () => children.forEach((child) => child.kill("SIGKILL")));
const COUNT = Number(countArg);
const TICK_MS = 10; // USER_HZ = 100 on Linux

function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
}

function startServer(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ["e2e", "--port", "0", "--log-level", "error", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    child.stdout.once("data", (line) => {
      const port = Number(String(line).trim().split(":").pop());
      port ? resolve({ child, port }) : reject(new Error(String(line)));
    });
  });
}

async function webSocketRun(perMessageDeflate, distinct = true) {
  const { child, port } = await startServer(["--per-message-deflate", perMessageDeflate ? "on" : "off"]);
  const ws = new WS(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  let pending = null;
  let received = 0;
  ws.on("message", (data) => {
    const text = String(data);
    if (text.startsWith("0")) ws.send("40");
    else if (text === "2") ws.send("3");
    else if (text.startsWith('42["big"')) {
      received++;
      if (pending) pending();
    }
  });
  await new Promise((resolve) => ws.once("open", resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));
  let seed = 0;
  // `distinct`: each message another page of records (same keys, other values); otherwise
  // the same event again, the best case for context takeover.
  const next = () => new Promise((resolve) => {
    pending = resolve;
    ws.send(`42["big_event",{"compress":true,"seed":${distinct ? seed++ : 0}}]`);
  });
  for (let i = 0; i < 50; i++) await next(); // warm-up
  const bytesBefore = ws._socket.bytesRead;
  const cpuBefore = cpuMs(child.pid);
  const start = process.hrtime.bigint();
  for (let i = 0; i < COUNT; i++) await next();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const result = {
    transport: "websocket",
    mode: (perMessageDeflate ? "permessage-deflate" : "uncompressed") + (distinct ? "" : ", the same event each time"),
    extension: ws.extensions || "-",
    wireBytes: (ws._socket.bytesRead - bytesBefore) / COUNT,
    cpuUs: ((cpuMs(child.pid) - cpuBefore) * 1000) / COUNT,
    rate: COUNT / seconds,
  };
  ws.close();
  child.kill("SIGTERM");
  return result;
}

function request(agent, port, method, path, body, acceptEncoding) {
  return new Promise((resolve, reject) => {
    const headers = { "Content-Type": "text/plain;charset=UTF-8" };
    if (acceptEncoding) headers["Accept-Encoding"] = acceptEncoding;
    const req = http.request({ host: "127.0.0.1", port, method, path, agent, headers }, (res) => {
      const chunks = [];
      const socket = res.socket;
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ res, socket, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

async function pollingRun(acceptEncoding) {
  const { child, port } = await startServer([]);
  const getAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const postAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = "/socket.io/?EIO=4&transport=polling";
  const open = await request(getAgent, port, "GET", base, null, null);
  const sid = JSON.parse(String(open.body).slice(1)).sid;
  const path = `${base}&sid=${sid}`;
  await request(postAgent, port, "POST", path, "40", null);
  await request(getAgent, port, "GET", path, null, acceptEncoding); // CONNECT, welcome
  let socket = null;
  let seed = 0;
  const one = async () => {
    const poll = request(getAgent, port, "GET", path, null, acceptEncoding);
    await request(postAgent, port, "POST", path, `42["big_event",{"compress":true,"seed":${seed++}}]`, null);
    const response = await poll;
    socket = response.socket;
    return response;
  };
  let encoding = "-";
  for (let i = 0; i < 50; i++) encoding = (await one()).res.headers["content-encoding"] || "identity";
  const bytesBefore = socket.bytesRead;
  const cpuBefore = cpuMs(child.pid);
  const start = process.hrtime.bigint();
  for (let i = 0; i < COUNT; i++) await one();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const result = {
    transport: "polling",
    mode: acceptEncoding ? `Accept-Encoding: ${acceptEncoding}` : "no Accept-Encoding",
    extension: encoding,
    wireBytes: (socket.bytesRead - bytesBefore) / COUNT,
    cpuUs: ((cpuMs(child.pid) - cpuBefore) * 1000) / COUNT,
    rate: COUNT / seconds,
  };
  getAgent.destroy();
  postAgent.destroy();
  child.kill("SIGTERM");
  return result;
}

(async () => {
  const rows = [
    await webSocketRun(false),
    await webSocketRun(true),
    await webSocketRun(true, false),
    await pollingRun(null),
    await pollingRun("gzip, deflate"),
  ];
  console.log(`${COUNT} messages of the e2e app's 10 KB JSON event (a page of 56 user records, each message another page), one at a time; server CPU is its whole process (utime+stime)`);
  console.log("");
  console.log("| transport | mode | negotiated | wire bytes / message | server CPU / message | messages / s |");
  console.log("|---|---|---|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.transport} | ${r.mode} | ${r.extension} | ${Math.round(r.wireBytes)} | ${r.cpuUs.toFixed(0)} µs | ${Math.round(r.rate)} |`);
  }
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
