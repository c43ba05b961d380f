// Publishes through the official @socket.io/redis-emitter 5.x, as a Node worker would.
// usage: node node-redis-emitter.cjs REDIS_URL KEY
const { Emitter } = require("@socket.io/redis-emitter");
const { createClient } = require("redis");

(async () => {
  const [redisURL, key] = process.argv.slice(2);
  const client = createClient({ url: redisURL });
  await client.connect();
  const io = new Emitter(client, { key });
  io.emit("news", { to: "all" });
  io.to("readers").emit("news", { to: "readers" });
  io.to("readers").emit("news", Buffer.from([1, 2, 3]));
  io.of("/admin").emit("news", "admin only");
  io.in("readers").socketsJoin("joined");
  io.to("joined").emit("news", "via joined");
  await new Promise((resolve) => setTimeout(resolve, 200));
  await client.quit();
})().catch((error) => { console.error(error); process.exit(1); });
