public import SocketIOProtocol

/// The broadcast operators of a namespace (Node's `nsp.to`, `nsp.except`, `nsp.volatile`, …),
/// on ``Namespace`` and on ``SocketIOServer`` for its main namespace `/`.
///
/// Each returns a ``BroadcastOperator`` (a new value every time), or acts on every socket of
/// the namespace at once.
///
/// ```swift
/// io.to("room1").except("room2").emit("news", "hello")
/// io.of("/admin").volatile.emit("tick", 42)
/// let answers = try await io.timeout(.seconds(5)).emitWithAck("poll", "ready?")
/// io.in("lobby").socketsJoin("hall")
/// ```
public protocol BroadcastScope: EventEmitter {
    /// A broadcast to every socket of the namespace.
    var broadcastOperator: BroadcastOperator { get }
}

extension BroadcastScope {
    /// A broadcast to the sockets in `room` (Node's `to(room)`).
    public func to(_ room: Room) -> BroadcastOperator { self.broadcastOperator.to(room) }

    /// A broadcast to the sockets in any of `rooms`.
    public func to(_ rooms: some Sequence<Room>) -> BroadcastOperator { self.broadcastOperator.to(rooms) }

    /// Same as ``to(_:)-(Room)`` (Node's `in(room)`).
    public func `in`(_ room: Room) -> BroadcastOperator { self.broadcastOperator.to(room) }

    /// A broadcast that leaves out the sockets in `room`.
    public func except(_ room: Room) -> BroadcastOperator { self.broadcastOperator.except(room) }

    /// A broadcast that is dropped for clients that cannot take it now (Node's `volatile`).
    public var volatile: BroadcastOperator { self.broadcastOperator.volatile }

    /// A broadcast to this server's sockets only, even with a cluster adapter (Node's `local`).
    public var local: BroadcastOperator { self.broadcastOperator.local }

    /// A broadcast with the compress flag set (Node's `compress`): `false` sends uncompressed even on a permessage-deflate WebSocket.
    public func compress(_ compress: Bool) -> BroadcastOperator { self.broadcastOperator.compress(compress) }

    /// A broadcast that collects every client's ack, waiting at most `timeout` (Node's
    /// `io.timeout(ms).emitWithAck(…)`).
    public func timeout(_ timeout: Duration) -> BroadcastTimeoutOperator { self.broadcastOperator.timeout(timeout) }

    /// Emits to every socket of the namespace; the packet is encoded once.
    public func emit(_ event: String, _ args: SocketIOValue...) { self.broadcastOperator.emit(event, arguments: args) }

    /// Emits to every socket of the namespace; the packet is encoded once.
    public func emit(_ event: String, arguments: [SocketIOValue]) { self.broadcastOperator.emit(event, arguments: arguments) }

    /// Every socket of the namespace, on every server of the cluster (Node's `fetchSockets()`).
    public func fetchSockets() async throws -> [RemoteSocket] { try await self.broadcastOperator.fetchSockets() }

    /// Every socket of the namespace on this server, as ``Socket`` objects, at once.
    public func localSockets() -> [Socket] { self.broadcastOperator.localSockets() }

    /// Makes every socket of the namespace (on every server) join `rooms` (Node's `socketsJoin`).
    public func socketsJoin(_ rooms: Room...) { self.broadcastOperator.socketsJoin(Set(rooms)) }

    /// Makes every socket of the namespace (on every server) leave `room` (Node's `socketsLeave`).
    public func socketsLeave(_ room: Room) { self.broadcastOperator.socketsLeave(room) }

    /// Disconnects every socket of the namespace (on every server); with `close`, their whole
    /// connections (Node's `disconnectSockets(close)`).
    public func disconnectSockets(close: Bool = false) { self.broadcastOperator.disconnectSockets(close: close) }
}

extension Namespace: BroadcastScope {}
