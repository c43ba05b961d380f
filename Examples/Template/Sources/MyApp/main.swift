// my-app: a Socket.IO server of your own, with its page, in one file.
//
//   my-app [--host HOST] [--port PORT] [--static DIR]
//   HOST, PORT and STATIC_DIR in the environment do the same; a flag wins over the environment.
//
// It serves the files of `static/` at `/`, the light client at `/socket.io-light.js`, and
// Socket.IO at `/socket.io/`. Clients join a room,
// say something to it: every member gets it, and the sender's ack says how many did.
import SocketIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct Settings {
    var host = "127.0.0.1"
    var port = 3000
    var staticDirectory = "static"

    /// The environment first, then the flags over it.
    init(arguments: [String]) throws {
        if let value = getenv("HOST") { self.host = String(cString: value) }
        if let value = getenv("PORT") { self.port = try Self.port(String(cString: value)) }
        if let value = getenv("STATIC_DIR") { self.staticDirectory = String(cString: value) }
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
            switch flag {
            case "--host": self.host = value
            case "--port": self.port = try Self.port(value)
            case "--static": self.staticDirectory = value
            default: throw UsageError(message: "unknown option \(flag)")
            }
        }
    }

    static func port(_ text: String) throws -> Int {
        guard let port = Int(text), (0...65535).contains(port) else { throw UsageError(message: "bad port \(text)") }
        return port
    }
}

struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { "my-app: \(self.message)\nusage: my-app [--host HOST] [--port PORT] [--static DIR]" }
}

/// What a client says to a room.
struct ChatMessage: Codable, Sendable {
    var room: String
    var text: String
}

/// The ack of a chat message: how many sockets were in the room.
struct Delivery: Codable, Sendable {
    var recipients: Int
}

let settings: Settings
do {
    settings = try Settings(arguments: CommandLine.arguments)
} catch {
    print(error)
    exit(64)
}

let io = SocketIOServer()
io.onConnection { socket in
    // Each client starts in "lobby", as the page expects.
    socket.join("lobby")

    socket.on("join") { (socket, room: String) async throws -> String in
        let room = String(room.prefix(64))
        socket.join(room)
        return room
    }

    socket.on("chat") { (socket, message: ChatMessage) async throws -> Delivery in
        guard socket.rooms.contains(message.room) else { return Delivery(recipients: 0) }
        let clean = ChatMessage(room: message.room, text: String(message.text.prefix(500)))
        let recipients = io.to(message.room).localSockets().count
        try io.to(message.room).emit("chat", clean)  // the sender is in the room too
        return Delivery(recipients: recipients)
    }
}

let files = StaticFiles(root: settings.staticDirectory, urlPrefix: "/")
let server = try await HTTPServer.bind(host: settings.host, port: settings.port, engines: [io.engine]) { request in
    if request.path == "/health" { return .text("ok") }
    // swift-socketio's light client at /socket.io-light.js, for the page (works offline).
    if let script = LightClient.respond(to: request) { return script }
    return await files.respond(to: request) ?? .notFound
}
// The first line says where it listens (with --port 0, the port picked), for scripts and tests.
print("listening on \(settings.host):\(server.port ?? settings.port)")
fflush(nil)  // every output stream: a parent reading a pipe sees the line at once
try await server.waitUntilClosed()
