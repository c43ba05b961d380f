// A Node socket.io 4.8 server with the handlers light-client-e2e.cjs calls, as `socketio-server
// e2e` has them: `welcome` on connect, echo, nsp, ask_me (the server asks back with an ack),
// kick, drop_transport, and /admin behind a middleware that wants auth {token: "secret"}.
// Prints "listening on 127.0.0.1:PORT".
// usage: node light-client-node-server.cjs --port PORT [--transports polling[,websocket]]
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const io = new Server({ transports: arg("transports", "polling,websocket").split(",") });
const common = (nsp) => {
  nsp.on("connection", (socket) => {
    socket.on("echo", (...args) => args.pop()(...args));
    socket.on("nsp", (callback) => callback(socket.nsp.name));
    socket.on("kick", () => socket.disconnect());
    socket.on("drop_transport", () => socket.conn.close());
  });
};
common(io.of("/"));
io.on("connection", (socket) => {
  socket.emit("welcome", { sid: socket.id, auth: socket.handshake.auth });
  socket.on("ask_me", async (question) => {
    try {
      const answer = await socket.timeout(5000).emitWithAck("question", question);
      socket.emit("answer", answer);
    } catch {
      socket.emit("answer", { error: "timeout" });
    }
  });
});
const admin = io.of("/admin");
admin.use((socket, next) => {
  if (socket.handshake.auth.token === "secret") return next();
  const error = new Error("unauthorized");
  error.data = { code: 401 };
  next(error);
});
common(admin);
const server = http.createServer();
io.attach(server);
server.listen(Number(arg("port", 0)), "127.0.0.1", () => console.log(`listening on 127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => process.exit(0));
