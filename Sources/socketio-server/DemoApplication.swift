import EngineIO
import NIOCore
import SocketIO
import SocketIOProtocol
import Synchronization

/// The demo behind `swift run socketio-server`: chat rooms whose messages are acknowledged on
/// delivery, and a live panel of the server's numbers (clients, rooms, events per second).
enum DemoApplication {
    struct ChatMessage: Codable, Sendable {
        var room: String
        var name: String
        var text: String
    }

    struct Delivery: Codable, Sendable {
        var delivered: Bool
        var recipients: Int
    }

    struct Stats: Codable, Sendable {
        var clients: Int
        var rooms: Int
        var eventsPerSecond: Int
    }

    static let rooms: Set<String> = ["lobby", "swift", "python"]

    static func install(on io: SocketIOServer) {
        let events = Atomic(0)
        io.onConnection { socket in
            socket.join("lobby")
            socket.onAny { _, _, _ in events.add(1, ordering: .relaxed) }
            socket.on("join") { (socket, room: String) async throws -> [String] in
                guard rooms.contains(room) else { return Array(socket.rooms.filter(rooms.contains)) }
                for old in socket.rooms where rooms.contains(old) { socket.leave(old) }
                socket.join(room)
                return [room]
            }
            socket.on("chat") { (socket, message: ChatMessage) async throws -> Delivery in
                guard socket.rooms.contains(message.room) else { return Delivery(delivered: false, recipients: 0) }
                var clean = message
                clean.text = String(message.text.prefix(500))
                clean.name = String(message.name.prefix(40))
                let recipients = try await socket.namespace.to(message.room).fetchSockets().count
                try socket.namespace.to(message.room).emit("chat", clean)
                return Delivery(delivered: true, recipients: recipients)
            }
        }
        // The panel: once a second, to everyone. Volatile: a slow client skips a tick.
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let stats = Stats(
                    clients: io.sockets.sockets.count,
                    rooms: rooms.filter { !io.to($0).localSockets().isEmpty }.count,
                    eventsPerSecond: events.exchange(0, ordering: .relaxed)
                )
                try? io.sockets.broadcastOperator.volatile.emit("stats", stats)
            }
        }
    }
}
