// The handlers of `socketio-server e2e` for the Node peers of the cluster tests
// (node-cluster-node.cjs, node-streams-node.cjs): echo, join, to_room, room_size, sockets_join,
// whoami, set_data, drop_transport, and the cluster calls the interop tests make from Node's
// side (server_count, all_rooms, server_side_ping, vote_all); the server-side `ping` answers
// "node pong ARG".
"use strict";

module.exports = function install(io) {
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
    socket.on("all_rooms", async (callback) => callback([...(await io.of("/").adapter.allRooms())].sort()));
    socket.on("server_side_ping", async (callback) => callback(await io.serverSideEmitWithAck("ping", "from node")));
    socket.on("vote_all", async (callback) => callback(await io.timeout(3000).emitWithAck("vote")));
  });
};
