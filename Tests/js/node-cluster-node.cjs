// A Node socket.io 4.8 server with @socket.io/redis-adapter 8.x and the handlers of
// `socketio-server e2e` (node-e2e-handlers.cjs). Prints "listening on 127.0.0.1:PORT".
// usage: node node-cluster-node.cjs REDIS_URL KEY
const http = require("http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");
const installHandlers = require("./node-e2e-handlers.cjs");

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
  installHandlers(io);
  const server = http.createServer();
  io.attach(server);
  server.listen(0, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${server.address().port}`));
  process.on("SIGTERM", () => { io.close(); pub.quit(); sub.quit(); process.exit(0); });
})().catch((error) => { console.error(error); process.exit(1); });
