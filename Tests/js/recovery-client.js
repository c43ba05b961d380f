// Connection state recovery with the official socket.io-client (issue 13), the same scenario in
// Node (recovery-e2e.cjs) and in headless Chromium (recovery-client.html), against
// `socketio-server e2e --connection-state-recovery MS`.
//
// For each transport mode and each way a connection drops (the client closes its transport; the
// server drops it without a DISCONNECT, as a network failure would), a client in a room misses
// events sent by another client, reconnects on its own, and must come back recovered: the same
// id, its room and data, and every missed event once, in order, before the next live one.
(function (root) {
  "use strict";

  function once(socket, event, ms) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} in ${ms || 5000} ms`)), ms || 5000);
      socket.once(event, (...args) => {
        clearTimeout(timer);
        resolve(args);
      });
    });
  }

  function until(check, what, ms) {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const timer = setInterval(() => {
        if (check()) {
          clearInterval(timer);
          resolve();
        } else if (Date.now() - started > (ms || 5000)) {
          clearInterval(timer);
          reject(new Error(`timed out waiting for ${what}`));
        }
      }, 10);
    });
  }

  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  async function scenario(io, url, label, transports, drop, check) {
    const options = { transports, forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200, randomizationFactor: 0 };
    const a = io(url, options);
    await once(a, "connect");
    check(`${label} first connect is not a recovery`, a.recovered === false, String(a.recovered));
    const room = `recovery-${a.id}`;
    await a.timeout(5000).emitWithAck("join", { room });
    await a.timeout(5000).emitWithAck("set_data", { user: "ada" });
    const b = io(url, { transports, forceNew: true, reconnection: false });
    await once(b, "connect");

    const got = [];
    a.on("news", (n) => got.push(n));
    await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: 0 });
    await until(() => got.length === 1, "the first event");
    const firstID = a.id;

    const disconnected = once(a, "disconnect");
    drop(a);
    const [reason] = await disconnected;
    // Sent while the client is away; whether the server has noticed yet or not, each is
    // either kept for the replay or was written to the dead transport (and is kept too).
    for (let n = 1; n <= 5; n++) {
      await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: n });
    }
    await once(a, "connect", 10000);
    check(`${label} recovered (after "${reason}")`, a.recovered === true, String(a.recovered));
    check(`${label} same id`, a.id === firstID, `${a.id} vs ${firstID}`);
    await until(() => got.length >= 6, "the missed events");
    await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: 6 });
    await until(() => got.length >= 7, "the live event");
    check(`${label} missed events once, in order, then live`, same(got, [0, 1, 2, 3, 4, 5, 6]), JSON.stringify(got));
    const [me] = await a.timeout(5000).emitWithAck("whoami").then((value) => [value]);
    check(`${label} room and data restored`, me.recovered === true && me.rooms.includes(room) && same(me.data, { user: "ada" }), JSON.stringify(me));
    a.disconnect();
    b.disconnect();
  }

  async function run(io, url, log) {
    let passed = 0;
    let failed = 0;
    const check = (name, ok, detail) => {
      if (ok) {
        passed++;
      } else {
        failed++;
        log(`  FAILED: ${name}${detail ? `: ${detail}` : ""}`);
      }
    };
    const modes = { websocket: ["websocket"], polling: ["polling"], upgrade: ["polling", "websocket"] };
    const drops = {
      "client closes": (socket) => socket.io.engine.close(),
      "server drops": (socket) => socket.emit("drop_transport"),
    };
    for (const [mode, transports] of Object.entries(modes)) {
      for (const [how, drop] of Object.entries(drops)) {
        const label = `${mode}, ${how}`;
        try {
          await scenario(io, url, label, transports, drop, check);
        } catch (error) {
          failed++;
          log(`  FAILED: ${label}: ${error.message}`);
        }
      }
    }
    return { passed, failed };
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = run;
  } else {
    root.runRecovery = run;
  }
})(this);
