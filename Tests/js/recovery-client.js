// Connection state recovery with the official socket.io-client (issue 13), the same scenario in
// Node (recovery-e2e.cjs) and in headless Chromium (recovery-client.html), against
// `socketio-server e2e --connection-state-recovery MS`; and across the servers of a Redis
// Streams cluster (cluster-recovery.cjs): with `options.to`, the client reconnects to that
// other server, and the events it misses are sent there.
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

  // A stream entry id, `ms-seq`, as numbers.
  const streamID = (offset) => (/^[0-9]+-[0-9]+$/.test(offset || "") ? offset.split("-").map(BigInt) : null);
  const streamOrder = (offsets) =>
    offsets.every((offset, index) => {
      const [x, y] = [streamID(offset), index === 0 ? null : streamID(offsets[index - 1])];
      return x !== null && (y === null || x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]));
    });

  async function scenario(io, url, label, transports, drop, check, cluster) {
    const to = cluster.to || url;
    const options = { transports, forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200, randomizationFactor: 0 };
    const a = io(url, options);
    await once(a, "connect");
    check(`${label} first connect is not a recovery`, a.recovered === false, String(a.recovered));
    const room = `recovery-${a.id}`;
    await a.timeout(5000).emitWithAck("join", { room });
    await a.timeout(5000).emitWithAck("set_data", { user: "ada" });
    const b = io(to, { transports, forceNew: true, reconnection: false });
    await once(b, "connect");

    const got = [];
    const offsets = [];
    a.on("news", (n, offset) => {
      got.push(n);
      offsets.push(offset);
    });
    await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: 0 });
    await until(() => got.length === 1, "the first event");
    const firstID = a.id;
    // The next connection goes to the other server, if there is one.
    a.io.uri = to;
    // What the reconnection went through, told when it fails.
    const trace = [];
    a.io.on("reconnect_attempt", (n) => trace.push(`reconnect_attempt ${n}`));
    a.io.on("reconnect_error", (error) => trace.push(`reconnect_error ${error && error.message}`));
    a.on("connect_error", (error) => trace.push(`connect_error ${error && error.message}`));

    // Across servers, the client comes back once the old server has let its socket go (and so
    // kept its session in Redis) and the events it misses are all sent. Sooner, it would race
    // them: the new server finds no session yet, or an event sent while the new server restores
    // the session, before the socket joins its rooms there, is lost; in Node's streams adapter
    // as in ours (docs/redis-cluster.md, "Known gaps").
    if (cluster.to) a.io.reconnection(false);
    const disconnected = once(a, "disconnect");
    drop(a);
    const [reason] = await disconnected;
    // Waited for from now: on one server, the client may be back before the events below are sent.
    const reconnected = once(a, "connect", 10000);
    // Sent while the client is away; whether the server has noticed yet or not, each is
    // either kept for the replay or was written to the dead transport (and is kept too).
    for (let n = 1; n <= 5; n++) {
      await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: n });
    }
    if (cluster.to) {
      // fetchSockets, cluster-wide, from the new server: the old one answers after it let the
      // socket go, and its SET of the session went to Redis before that answer.
      for (let tries = 0; (await b.timeout(5000).emitWithAck("room_size", { room })) !== 0; tries++) {
        if (tries > 100) throw new Error("the old server kept the socket");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      a.io.reconnection(true);
      a.connect();
    }
    await reconnected.catch((error) => {
      throw new Error(`${error.message} (${trace.join(", ")})`);
    });
    check(`${label} recovered (after "${reason}")`, a.recovered === true, String(a.recovered));
    check(`${label} same id`, a.id === firstID, `${a.id} vs ${firstID}`);
    await until(() => got.length >= 6, "the missed events");
    await b.timeout(5000).emitWithAck("to_room", { room, event: "news", data: 6 });
    await until(() => got.length >= 7, "the live event");
    check(`${label} missed events once, in order, then live`, same(got, [0, 1, 2, 3, 4, 5, 6]), JSON.stringify(got));
    if (cluster.streamOffsets) {
      check(`${label} offsets are stream ids, in stream order`, streamOrder(offsets), JSON.stringify(offsets));
    }
    const [me] = await a.timeout(5000).emitWithAck("whoami").then((value) => [value]);
    check(`${label} room and data restored`, me.recovered === true && me.rooms.includes(room) && same(me.data, { user: "ada" }), JSON.stringify(me));
    a.disconnect();
    b.disconnect();
  }

  // cluster: `to`, the server to reconnect to (default: `url`); `streamOffsets`, whether the
  // offsets are Redis stream ids (the Redis Streams adapter's).
  async function run(io, url, log, cluster) {
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
          await scenario(io, url, label, transports, drop, check, cluster || {});
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
