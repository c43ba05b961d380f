// A Node socket.io 4.8 server with @socket.io/redis-adapter 8.x: the same handlers as
// `socketio-server e2e` (join, to_room, room_size, sockets_join, server_count, echo), plus the
// cluster calls the interop test makes from Node's side. Prints "listening on 127.0.0.1:PORT".
// usage: node node-cluster-node.cjs REDIS_URL KEY
const http = require("http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

(async () => {
  const [redisURL, key] = process.argv.slice(2);
  const pub = createClient({ url: redisURL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  // The adapter tells node-redis 4 from 3 by `sSubscribe` (node-redis >= 4.6); Debian ships
  // 4.5.1, which has `sendCommand` but not that method. Only the sharded adapter would call it.
  for (const client of [pub, sub]) {
    client.sSubscribe ??= () => { throw new Error("sharded pub/sub is not used here"); };
  }
  const io = new Server({ adapter: createAdapter(pub, sub, { key, requestsTimeout: 3000 }) });
  io.on("ping", (arg, callback) => callback(`node pong ${arg}`));
  io.on("connection", (socket) => {
    socket.on("echo", (arg, callback) => callback(arg));
    socket.on("join", ({ room }, callback) => { socket.join(room); callback(room); });
    socket.on("to_room", ({ room, event, data }, callback) => { io.to(room).emit(event, data); callback(true); });
    socket.on("room_size", async ({ room }, callback) => callback((await io.in(room).fetchSockets()).length));
    socket.on("sockets_join", ({ target, room }, callback) => { io.in(target).socketsJoin(room); callback(true); });
    // These take no argument: the ack callback is the only one.
    socket.on("server_count", async (callback) => callback(await io.of("/").adapter.serverCount()));
    socket.on("all_rooms", async (callback) => callback([...(await io.of("/").adapter.allRooms())].sort()));
    socket.on("server_side_ping", async (callback) => callback(await io.serverSideEmitWithAck("ping", "from node")));
    socket.on("vote_all", async (callback) => callback(await io.timeout(3000).emitWithAck("vote")));
  });
  const server = http.createServer();
  io.attach(server);
  server.listen(0, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${server.address().port}`));
  process.on("SIGTERM", () => { io.close(); pub.quit(); sub.quit(); process.exit(0); });
})().catch((error) => { console.error(error); process.exit(1); });
