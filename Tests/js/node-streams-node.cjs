// A Node socket.io 4.8 server with the official @socket.io/redis-streams-adapter 0.3.x and
// connection state recovery: the same handlers as `socketio-server e2e` (echo, join, to_room,
// room_size, sockets_join, server_count, whoami, set_data, drop_transport), plus the cluster
// calls the interop test makes from Node's side. Prints "listening on 127.0.0.1:PORT".
// usage: node node-streams-node.cjs REDIS_URL PREFIX RECOVERY_MS   (RECOVERY_MS 0: recovery off)
//   PREFIX is the adapter's streamName and channelPrefix, as `--redis-key` is ours.
"use strict";
const http = require("http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-streams-adapter");
const { createClient } = require("redis");

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
  io.on("ping", (arg, callback) => callback(`node pong ${arg}`));
  io.on("connection", (socket) => {
    socket.on("echo", (arg, callback) => callback(arg));
    socket.on("join", ({ room }, callback) => { socket.join(room); callback(room); });
    socket.on("to_room", ({ room, event, data }, callback) => { io.to(room).emit(event, data); callback(true); });
    socket.on("room_size", async ({ room }, callback) => callback((await io.in(room).fetchSockets()).length));
    socket.on("sockets_join", ({ target, room }, callback) => { io.in(target).socketsJoin(room); callback(true); });
    socket.on("whoami", (callback) => callback({ id: socket.id, recovered: socket.recovered, rooms: [...socket.rooms].sort(), data: socket.data }));
    socket.on("set_data", (data, callback) => { socket.data = data; callback(true); });
    socket.on("drop_transport", () => socket.conn.close());
    // These take no argument: the ack callback is the only one.
    socket.on("server_count", async (callback) => callback(await io.of("/").adapter.serverCount()));
    socket.on("server_side_ping", async (callback) => callback(await io.serverSideEmitWithAck("ping", "from node")));
    socket.on("vote_all", async (callback) => callback(await io.timeout(3000).emitWithAck("vote")));
  });
  const server = http.createServer();
  io.attach(server);
  server.listen(0, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${server.address().port}`));
  process.on("SIGTERM", () => { io.close(); redis.quit().catch(() => {}); process.exit(0); });
})().catch((error) => { console.error(error); process.exit(1); });
