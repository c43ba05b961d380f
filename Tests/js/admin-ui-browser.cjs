// The official Admin UI (@socket.io/admin-ui 0.5 ui/dist, served by our server with
// --admin-ui-dir) in headless Chromium: it logs in through its connection form, lists a
// python-socketio client and its room, and disconnects it from the socket's page; the python
// client (Tests/js/admin-ui-peer.py) must see the disconnect. The UI is loaded from
// http://localhost:PORT and talks to http://127.0.0.1:PORT, another origin, so the credentialed
// CORS answers (withCredentials: true) are on the path too.
//
// usage: node --experimental-websocket admin-ui-browser.cjs UI_URL SERVER_URL NAMESPACE USER PASSWORD SCREENSHOT.png PYTHON
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
const readline = require("readline");

const [uiURL, serverURL, namespace, username, password, screenshot, python] = process.argv.slice(2);
const room = "admin-ui-room";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const children = [];

function startPeer() {
  const peer = spawn(python, [path.join(__dirname, "admin-ui-peer.py"), serverURL, room], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(peer);
  const exited = new Promise((resolve) => peer.on("exit", (code) => resolve(code)));
  const lines = readline.createInterface({ input: peer.stdout });
  const sid = new Promise((resolve, reject) => {
    lines.on("line", (line) => {
      if (line.startsWith("sid ")) resolve(line.slice(4));
      else console.log(line);
    });
    peer.on("exit", () => reject(new Error("python client exited early")));
  });
  return { sid, exited };
}

async function browser() {
  const port = 9300 + Math.floor(Math.random() * 500);
  const chromium = spawn("chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", `--remote-debugging-port=${port}`,
    "--remote-debugging-address=127.0.0.1", "--window-size=1400,900", "about:blank",
  ], { stdio: "ignore" });
  children.push(chromium);
  let target;
  for (let i = 0; i < 100 && !target; i++) {
    try {
      target = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()).find((t) => t.type === "page");
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
  const evaluate = async (expression) => {
    const result = await call("Runtime.evaluate", { expression, returnByValue: true });
    return result && result.result ? result.result.value : undefined;
  };
  const waitFor = async (what, expression, seconds = 30) => {
    for (let i = 0; i < seconds * 10; i++) {
      const value = await evaluate(expression);
      if (value) return value;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  return { call, evaluate, waitFor, close: () => ws.close() };
}

async function main() {
  const peer = startPeer();
  const sid = await peer.sid;
  console.log(`python client connected: ${sid}, in room ${room}`);
  const page = await browser();
  await page.call("Page.navigate", { url: uiURL });
  await page.waitFor("the UI", "document.readyState === 'complete' && !!document.querySelector('input[type=password]')");
  // The namespace field is under "advanced options"; the UI keeps it in localStorage.
  await page.evaluate(`localStorage.clear(); localStorage.setItem("namespace", ${JSON.stringify(namespace)}); location.reload(); true`);
  await sleep(500);
  await page.waitFor("the connection form", "document.readyState === 'complete' && !!document.querySelector('input[type=password]')");
  // Fill the form as a user types: set each field found by its label, fire `input` for Vue.
  await page.evaluate(`(() => {
    const fill = (label, value) => {
      const found = [...document.querySelectorAll("label")].find((l) => l.textContent.trim() === label);
      const input = document.getElementById(found.getAttribute("for"));
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    };
    fill("Server URL", ${JSON.stringify(serverURL)});
    fill("Username", ${JSON.stringify(username)});
    fill("Password", ${JSON.stringify(password)});
    return true;
  })()`);
  await sleep(200);
  await page.evaluate(`document.querySelector("form button[type=submit]").click(); true`);
  const store = "document.getElementById('app').__vue__.$store";
  await page.waitFor("the login", `${store}.state.connection.connected`, 60);
  console.log("admin-ui: logged in");
  // The sockets list, then the python client's page with its rooms.
  await page.evaluate(`location.hash = "#/sockets/"; true`);
  await page.waitFor("the python client in the list", `!!${store}.getters["main/findSocketById"]("/", ${JSON.stringify(sid)}) && document.body.innerText.includes(${JSON.stringify(sid)})`);
  console.log("admin-ui: the sockets page lists the python client");
  await page.evaluate(`location.hash = "#/n/" + encodeURIComponent("/") + "/sockets/" + ${JSON.stringify(sid)}; true`);
  await page.waitFor("the socket's rooms", `document.body.innerText.includes(${JSON.stringify(room)}) && !!document.querySelector(".mdi-logout")`);
  console.log(`admin-ui: the socket page shows room ${room}`);
  // Let the connection dialog finish closing before the picture.
  await page.waitFor("the dialog to close", `!document.querySelector(".v-dialog--active")`, 10);
  await sleep(500);
  const shot = await page.call("Page.captureScreenshot", { format: "png" });
  fs.writeFileSync(screenshot, Buffer.from(shot.data, "base64"));
  console.log(`admin-ui: screenshot ${screenshot}`);
  // The last logout button is the socket's own ("Disconnect" the socket, not its client).
  await page.evaluate(`[...document.querySelectorAll(".mdi-logout")].pop().closest("button").click(); true`);
  const code = await Promise.race([peer.exited, sleep(20000).then(() => "timeout")]);
  if (code !== 0) throw new Error(`the python client was not disconnected (${code})`);
  await page.waitFor("the UI to show the disconnect", `(() => { const s = ${store}.getters["main/findSocketById"]("/", ${JSON.stringify(sid)}); return !s || s.connected === false; })()`, 10);
  console.log("admin-ui: the UI disconnected the python client");
  page.close();
}

main()
  .then(() => {
    for (const child of children) child.kill();
    process.exit(0);
  })
  .catch((error) => {
    for (const child of children) child.kill();
    console.log(`admin-ui: FAILED: ${error.message}`);
    process.exit(1);
  });
