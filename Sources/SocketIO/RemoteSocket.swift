public import SocketIOProtocol

/// A socket found by `fetchSockets()`, on this server or another (Node's `RemoteSocket`): what
/// is known of it, and the operations that work wherever it lives.
///
/// ```swift
/// for socket in try await io.in("lobby").fetchSockets() where socket.data["role"] == "guest" {
///     socket.join("guests")
///     socket.emit("hello", "guest")
/// }
/// ```
public struct RemoteSocket: Sendable {
    /// What its server said about it.
    public let details: SocketDetails
    let namespace: Namespace

    /// The socket's id.
    public var id: SocketID { self.details.id }
    /// Node's handshake object (`headers`, `address`, `url`, `query`, `auth`, `issued`, …).
    public var handshake: SocketIOValue { self.details.handshake }
    /// The rooms it is in, its own id included.
    public var rooms: Set<Room> { self.details.rooms }
    /// The socket's ``Socket/data`` when it was fetched.
    public var data: SocketIOValue { self.details.data }

    /// Sends an event to this socket's client.
    public func emit(_ event: String, _ args: SocketIOValue...) {
        self.namespace.to(self.id).emit(event, arguments: args)
    }

    /// Makes the socket join `rooms`.
    public func join(_ rooms: Room...) {
        self.namespace.in(self.id).socketsJoin(Set(rooms))
    }

    /// Makes the socket leave `room`.
    public func leave(_ room: Room) {
        self.namespace.in(self.id).socketsLeave(room)
    }

    /// Disconnects the socket; with `close`, its connection too.
    public func disconnect(close: Bool = false) {
        self.namespace.in(self.id).disconnectSockets(close: close)
    }
}
