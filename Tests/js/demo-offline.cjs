// The demo page of `socketio-server demo` (no --client-js: the embedded light client) in
// headless Chromium with the network cut off: two pages chat, and each sees the other's message
// and the delivery acks of its own. Offline for real: Chromium resolves no host name but
// 127.0.0.1 (--host-resolver-rules), every request the pages make is logged through the
// DevTools protocol and must go to the demo server, and a fetch of the official CDN from the
// page must fail.
//
// usage: node --experimental-websocket demo-offline.cjs DEMO_URL SCREENSHOT_DIR
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");

const [demoURL, screenshots] = process.argv.slice(2);
const origin = new URL(demoURL).origin;
const port = 9300 + Math.floor(Math.random() * 500);
const chromium = spawn("chromium", [
  "--headless", "--no-sandbox", "--disable-gpu", `--remote-debugging-port=${port}`, "--remote-debugging-address=127.0.0.1",
  "--window-size=900,700", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "about:blank",
], { stdio: "ignore" });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let passed = 0;
const failures = [];
const check = (name, ok, detail = "") => (ok ? passed++ : failures.push(`${name} ${detail}`));
const requests = [];

// One DevTools session on a new page target.
async function openPage(url) {
  const target = await (await fetch(`http://127.0.0.1:${port}/json/new?about:blank`, { method: "PUT" })).json();
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve) => ws.addEventListener("open", resolve));
  let id = 0;
  const pending = new Map();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.method === "Network.requestWillBeSent") requests.push(message.params.request.url);
    if (message.method === "Network.webSocketCreated") requests.push(message.params.url);
    if (pending.has(message.id)) {
      pending.get(message.id)(message.result);
      pending.delete(message.id);
    }
  });
  const call = (method, params = {}) => new Promise((resolve) => {
    pending.set(++id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  const evaluate = async (expression) => (await call("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true })).result.value;
  await call("Network.enable");
  await call("Page.navigate", { url });
  const waitFor = async (expression, ms = 20000) => {
    for (let i = 0; i < ms / 100; i++) {
      if (await evaluate(expression)) return true;
      await sleep(100);
    }
    return false;
  };
  return { call, evaluate, waitFor, close: () => ws.close() };
}
const messages = "[...document.querySelectorAll('#messages li')].map((li) => li.textContent).join(' | ')";

async function main() {
  for (let i = 0; i < 100; i++) {
    try { await fetch(`http://127.0.0.1:${port}/json/version`); break; } catch { await sleep(100); }
  }
  // Page A sends first (?selftest=NAME: send one message after the first stats, title the page
  // "demo: delivered" on its ack); page B joins after, so A is there to receive B's message.
  const a = await openPage(`${demoURL}?selftest=alice`);
  check("page A: the light client connected and its message was acknowledged", await a.waitFor("document.title.startsWith('demo:')") && (await a.evaluate("document.title")) === "demo: delivered", await a.evaluate("document.title"));
  check("page A: over WebSocket", /connected \(websocket\)/.test(await a.evaluate("document.getElementById('status').textContent")), await a.evaluate("document.getElementById('status').textContent"));
  const b = await openPage(`${demoURL}?selftest=bob`);
  check("page B: its message was acknowledged", await b.waitFor("document.title.startsWith('demo:')") && (await b.evaluate("document.title")) === "demo: delivered", await b.evaluate("document.title"));
  check("page B: the ack counts both pages", await b.waitFor(`(${messages}).includes('delivered to 2')`, 3000), await b.evaluate(messages));
  check("page A: sees B's message", await a.waitFor(`(${messages}).includes('bob hello from headless Chromium')`, 5000), await a.evaluate(messages));
  // A answers through the form, as a person would.
  await a.evaluate("document.getElementById('text').value = 'hi bob, from alice'; document.getElementById('form').requestSubmit(); true");
  check("page A: its reply was acknowledged, delivered to both", await a.waitFor(`(${messages}).includes('hi bob, from alice ✓ delivered to 2')`, 5000), await a.evaluate(messages));
  check("page B: sees A's reply", await b.waitFor(`(${messages}).includes('alice hi bob, from alice')`, 5000), await b.evaluate(messages));
  // Offline for real: the page cannot reach the official CDN.
  const probe = "https://cdn.socket.io/4.8.1/socket.io.min.js?offline-probe";
  const cdn = await a.evaluate(`fetch('${probe}').then(() => 'reached', (e) => 'blocked: ' + e.message)`);
  check("offline: the CDN is unreachable from the page", String(cdn).startsWith("blocked"), cdn);
  const html = await (await fetch(demoURL)).text();
  check("the page names no CDN and loads the light client", !html.includes("cdn.") && !/src="https?:/.test(html) && html.includes('src="/socket.io-light.js?v='));
  const foreign = requests.filter((url) => !url.startsWith(origin) && !url.startsWith(origin.replace("http", "ws")) && url !== "about:blank" && url !== probe);
  check("every request went to the demo server", requests.length > 0 && foreign.length === 0, foreign.join(" "));
  check("the pages loaded the light client", requests.some((url) => url.startsWith(`${origin}/socket.io-light.js?v=`)));
  for (const [name, page] of [["a", a], ["b", b]]) {
    const shot = await page.call("Page.captureScreenshot", { format: "png" });
    fs.writeFileSync(`${screenshots}/demo-offline-${name}.png`, Buffer.from(shot.data, "base64"));
    page.close();
  }
}

main()
  .catch((error) => failures.push(`aborted: ${error.stack}`))
  .then(() => {
    chromium.kill();
    for (const failure of failures) console.log(`FAIL ${failure}`);
    console.log(`demo-offline: ${passed} passed, ${failures.length} failed`);
    process.exit(failures.length ? 1 : 0);
  });
