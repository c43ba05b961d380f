// Flask-SocketIO's example/app.py, rewritten with swift-socketio: the same events, the same
// per-client receive count, the same background task. Run: swift run flask-chat-example
import SocketIO
import Synchronization

struct Message: Codable, Sendable {
    var data: String?
    var room: String?
}
struct Response: Codable, Sendable {
    var data: String
    var count: Int
}
/// Flask's `session`: this client's own state, typed (`session['receive_count']`).
struct Session: SocketData {
    var receiveCount = 0
}

extension Socket {
    /// Counts one more event from this client and answers it with `my_response`.
    func respond(_ data: String, to target: BroadcastOperator? = nil) throws {
        let count = self.withData(Session.self) { session in
            session.receiveCount += 1
            return session.receiveCount
        }
        let response = Response(data: data, count: count)
        if let target { try target.emit("my_response", response) } else { try self.emit("my_response", response) }
    }
}

func makeChatServer(backgroundInterval: Duration = .seconds(10)) -> SocketIOServer {
    let io = SocketIOServer()
    let backgroundStarted = Atomic(false)
    io.onConnection { socket in
        // Flask's start_background_task, once: a server-generated event every 10 s.
        if backgroundStarted.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
            Task {
                var count = 0
                while !Task.isCancelled {
                    try? await Task.sleep(for: backgroundInterval)
                    count += 1
                    try? io.sockets.emit("my_response", Response(data: "Server generated event", count: count))
                }
            }
        }
        try? socket.emit("my_response", Response(data: "Connected", count: 0))

        socket.on("my_event") { (socket, message: Message) in try socket.respond(message.data ?? "") }
        socket.on("my_broadcast_event") { (socket, message: Message) in
            try socket.respond(message.data ?? "", to: socket.namespace.broadcastOperator)
        }
        socket.on("join") { (socket, message: Message) in
            socket.join(message.room ?? "")
            try socket.respond("In rooms: " + socket.rooms.sorted().joined(separator: ", "))
        }
        socket.on("leave") { (socket, message: Message) in
            socket.leave(message.room ?? "")
            try socket.respond("In rooms: " + socket.rooms.sorted().joined(separator: ", "))
        }
        socket.on("close_room") { (socket, message: Message) in
            let room = message.room ?? ""
            try socket.respond("Room \(room) is closing.", to: socket.namespace.to(room))
            socket.namespace.to(room).socketsLeave(room)
        }
        socket.on("my_room_event") { (socket, message: Message) in
            try socket.respond(message.data ?? "", to: socket.namespace.to(message.room ?? ""))
        }
        socket.on("disconnect_request") { (socket, _: SocketIOValue) in
            try socket.respond("Disconnected!")
            socket.disconnect()
        }
        socket.on("my_ping") { (socket, _: SocketIOValue) in try socket.emit("my_pong", SocketIOValue.null) }
        socket.onDisconnect { socket, _ in print("Client disconnected", socket.id) }
    }
    return io
}

let indexPage = """
    <!doctype html><title>swift-socketio: Flask-SocketIO example</title>
    <script src="\(LightClient.versionedPath)"></script>
    <h1>Flask-SocketIO example, in Swift</h1><ul id="log"></ul>
    <script>
    const socket = io();
    socket.on("my_response", (m) => { const li = document.createElement("li");
      li.textContent = `#${m.count}: ${m.data}`; document.getElementById("log").prepend(li); });
    socket.on("connect", () => socket.emit("my_event", { data: "I'm connected!" }));
    </script>
    """
