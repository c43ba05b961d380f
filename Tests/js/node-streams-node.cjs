// A Node socket.io 4.8 server with the official @socket.io/redis-streams-adapter 0.3.x and
// connection state recovery, and the handlers of `socketio-server e2e`
// (node-e2e-handlers.cjs). Prints "listening on 127.0.0.1:PORT".
// usage: node node-streams-node.cjs REDIS_URL PREFIX RECOVERY_MS   (RECOVERY_MS 0: recovery off)
//   PREFIX is the adapter's streamName and channelPrefix, as `--redis-key` is ours.
"use strict";
const http = require("http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-streams-adapter");
const { createClient } = require("redis");
const installHandlers = require("./node-e2e-handlers.cjs");

(async () => {
  const [redisURL, prefix, recovery] = process.argv.slice(2);
  const redis = createClient({ url: redisURL });
  // The adapter tells node-redis 4 from ioredis by `sSubscribe` (node-redis >= 4.6); Debian
  // ships 4.5.1, which lacks it. On the prototype, so the clients the adapter duplicates (the
  // stream reader, the subscriber) have it too; only sharded pub/sub would call it.
  const proto = Object.getPrototypeOf(redis);
  if (typeof proto.sSubscribe !== "function") {
    proto.sSubscribe = () => { throw new Error("sharded pub/sub is not used here"); };
  }
  // Without a listener, node-redis' 'error' (Redis restarting) would end the process; it
  // reconnects on its own.
  redis.on("error", () => {});
  await redis.connect();
  const window = Number(recovery || 0);
  const io = new Server({
    adapter: createAdapter(redis, { streamName: prefix, channelPrefix: prefix, blockTimeInMs: 1000 }),
    connectionStateRecovery: window > 0 ? { maxDisconnectionDuration: window } : undefined,
    cors: { origin: "*" },
  });
  installHandlers(io);
  const server = http.createServer();
  io.attach(server);
  server.listen(0, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${server.address().port}`));
  process.on("SIGTERM", () => { io.close(); redis.quit().catch(() => {}); process.exit(0); });
})().catch((error) => { console.error(error); process.exit(1); });
