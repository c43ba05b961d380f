// The benchmark app on Node's socket.io 4.8 (scripts/bench.sh, when scripts/build-node-peers.sh
// has built it from the mirrors): `echo` acks with its argument; `broadcast` sends `bcast` with
// its argument to everyone.  usage: NODE_PATH=/usr/share/nodejs:.build-node-peers/node_modules node node_app.cjs PORT [msgpack]
// With `msgpack`, the server uses socket.io-msgpack-parser (Node's `parser` option).
const { Server } = require("socket.io");

const options = { cors: { origin: "*" } };
if (process.argv[3] === "msgpack") options.parser = require("socket.io-msgpack-parser");
const io = new Server(options);
io.on("connection", (socket) => {
  socket.on("echo", (arg, callback) => callback(arg));
  socket.on("broadcast", (arg) => io.emit("bcast", arg));
});
io.listen(Number(process.argv[2]));
console.log(`listening on 127.0.0.1:${process.argv[2]}`);
