public import SocketIOProtocol

/// Chooses who a broadcast reaches, then emits (Node's `BroadcastOperator`). Every modifier
/// returns a new value, so an operator can be kept and reused.
///
/// ```swift
/// io.to("room1").except("room2").emit("news", "hello")
/// socket.broadcast.emit("joined", .string(socket.id))   // everyone but the sender
/// ```
public struct BroadcastOperator: Sendable {
    let namespace: Namespace
    public private(set) var options: BroadcastOptions

    init(namespace: Namespace, options: BroadcastOptions = BroadcastOptions()) {
        self.namespace = namespace
        self.options = options
    }

    /// Also reach the sockets in `room`.
    public func to(_ room: Room) -> BroadcastOperator {
        var copy = self
        copy.options.rooms.insert(room)
        return copy
    }

    /// Also reach the sockets in these rooms.
    public func to(_ rooms: some Sequence<Room>) -> BroadcastOperator {
        var copy = self
        copy.options.rooms.formUnion(rooms)
        return copy
    }

    /// Same as ``to(_:)-5wz6u``.
    public func `in`(_ room: Room) -> BroadcastOperator { self.to(room) }

    /// Leave out the sockets in `room`.
    public func except(_ room: Room) -> BroadcastOperator {
        var copy = self
        copy.options.except.insert(room)
        return copy
    }

    /// Drop for clients that cannot take it now, instead of queueing.
    public var volatile: BroadcastOperator {
        var copy = self
        copy.options.flags.volatile = true
        return copy
    }

    /// Only this server's sockets, even with a cluster adapter.
    public var local: BroadcastOperator {
        var copy = self
        copy.options.flags.local = true
        return copy
    }

    /// Sets the compress flag (kept for parity with Node; not applied yet).
    public func compress(_ compress: Bool) -> BroadcastOperator {
        var copy = self
        copy.options.flags.compress = compress
        return copy
    }

    /// Emits the event to every matching socket. The packet is encoded once.
    public func emit(_ event: String, _ args: SocketIOValue...) {
        self.emit(event, arguments: args)
    }

    /// Emits the event to every matching socket. The packet is encoded once.
    public func emit(_ event: String, arguments: [SocketIOValue]) {
        let packet = SocketIOPacket.event(event, arguments, namespace: self.namespace.name)
        self.namespace.adapter.broadcast(packet, options: self.options)
    }

    /// The matching sockets on this server.
    public func fetchSockets() -> [Socket] {
        self.namespace.adapter.sockets(matching: self.options).compactMap { self.namespace.socket(id: $0) }
    }

    /// Makes the matching sockets join `rooms`.
    public func socketsJoin(_ rooms: Room...) {
        for socket in self.fetchSockets() { socket.join(Set(rooms)) }
    }

    /// Makes the matching sockets leave `room`.
    public func socketsLeave(_ room: Room) {
        for socket in self.fetchSockets() { socket.leave(room) }
    }

    /// Disconnects the matching sockets; with `close`, their whole connections.
    public func disconnectSockets(close: Bool = false) {
        for socket in self.fetchSockets() { socket.disconnect(close: close) }
    }
}
