// Opens a page in headless Chromium through the DevTools protocol, waits (real time, at most
// 60 s) until its title starts with DONE_PREFIX, prints the page's #result (if any), saves a
// screenshot, and exits 0 when the title matches PASS (a regular expression).
//
// usage: node --experimental-websocket run-browser.cjs PAGE_URL SCREENSHOT.png [DONE_PREFIX PASS]
//   default DONE_PREFIX "browser-client:", PASS "browser-client: \d+ passed, 0 failed"
//   the demo: run-browser.cjs "http://127.0.0.1:3000/?selftest" demo.png "demo:" "demo: delivered"
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");

const [pageURL, screenshot, donePrefix = "browser-client:", passPattern = "browser-client: \\d+ passed, 0 failed"] = process.argv.slice(2);
const port = 9300 + Math.floor(Math.random() * 500);
// CHROMIUM_EXTRA_ARGS: more flags, space-separated. The TLS tests pass
// `--ignore-certificate-errors-spki-list=<sha256 of the test server's public key>` (with a
// `--user-data-dir`, which Chromium wants for that flag): the browser then trusts that one key,
// and still checks everything else about the connection.
const extra = (process.env.CHROMIUM_EXTRA_ARGS || "").split(" ").filter(Boolean);
const chromium = spawn("chromium", [
  "--headless", "--no-sandbox", "--disable-gpu", `--remote-debugging-port=${port}`,
  "--remote-debugging-address=127.0.0.1", "--window-size=900,700", ...extra, "about:blank",
], { stdio: "ignore" });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  let target;
  for (let i = 0; i < 100 && !target; i++) {
    try {
      const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
      target = targets.find((t) => t.type === "page");
    } catch {
      await sleep(100);
    }
  }
  if (!target) throw new Error("chromium did not start");
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve) => ws.addEventListener("open", resolve));
  let id = 0;
  const pending = new Map();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (pending.has(message.id)) {
      pending.get(message.id)(message.result);
      pending.delete(message.id);
    }
  });
  const call = (method, params = {}) => new Promise((resolve) => {
    pending.set(++id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  const evaluate = async (expression) => (await call("Runtime.evaluate", { expression, returnByValue: true })).result.value;

  await call("Page.navigate", { url: pageURL });
  let title = "";
  for (let i = 0; i < 600 && !String(title).startsWith(donePrefix); i++) {
    await sleep(100);
    title = await evaluate("document.title");
  }
  process.stdout.write((await evaluate("document.getElementById('result') ? document.getElementById('result').textContent : ''")) || "");
  const shot = await call("Page.captureScreenshot", { format: "png" });
  fs.writeFileSync(screenshot, Buffer.from(shot.data, "base64"));
  ws.close();
  return String(title);
}

main()
  .then((title) => {
    chromium.kill();
    const ok = new RegExp(passPattern).test(title);
    process.stdout.write(ok ? "" : `no passing result (title: ${title})\n`, () => process.exit(ok ? 0 : 1));
  })
  .catch((error) => {
    chromium.kill();
    process.stdout.write(`run-browser: ${error.message}\n`, () => process.exit(1));
  });
