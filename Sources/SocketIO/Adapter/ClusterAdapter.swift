public import SocketIOProtocol

/// The seam for an adapter that spans several servers (Redis pub/sub, or any other transport).
///
/// Room membership is always about this server's sockets, so a cluster adapter keeps it in an
/// ``InMemoryAdapter`` (``local``), and this protocol forwards the six membership methods of
/// ``SocketIOAdapter`` to it by default. A conforming type writes only the cluster operations:
/// do the operation on ``local``, and unless `options.flags.local` is set, also send it to the
/// other servers. This mirrors Node's `ClusterAdapter`, which extends the in-memory `Adapter`,
/// and socketioxide's `CoreLocalAdapter`.
///
/// ```swift
/// final class MyClusterAdapter: ClusterAdapter {
///     let local: InMemoryAdapter
///     init(namespace: any LocalNamespace) { self.local = InMemoryAdapter(namespace: namespace) }
///
///     func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) {
///         if !options.flags.local { /* publish to the other servers */ }
///         self.local.broadcast(packet, options: options)
///     }
///     // … the other cluster operations
/// }
/// ```
public protocol ClusterAdapter: SocketIOAdapter {
    /// This server's membership and delivery: the membership methods forward to it.
    var local: InMemoryAdapter { get }
}

extension ClusterAdapter {
    /// Adds a socket to rooms on this server (forwarded to ``ClusterAdapter/local``).
    public func addAll(_ id: SocketID, rooms: Set<Room>) { self.local.addAll(id, rooms: rooms) }
    /// Removes a socket from one room on this server (forwarded to ``ClusterAdapter/local``).
    public func del(_ id: SocketID, room: Room) { self.local.del(id, room: room) }
    /// Removes a socket from every room on this server (forwarded to ``ClusterAdapter/local``).
    public func delAll(_ id: SocketID) { self.local.delAll(id) }
    /// The rooms a local socket is in (forwarded to ``ClusterAdapter/local``).
    public func rooms(of id: SocketID) -> Set<Room> { self.local.rooms(of: id) }
    /// The local sockets a broadcast reaches (forwarded to ``ClusterAdapter/local``).
    public func sockets(matching options: BroadcastOptions) -> Set<SocketID> { self.local.sockets(matching: options) }
    /// Every room with a local member (forwarded to ``ClusterAdapter/local``).
    public func allRooms() -> Set<Room> { self.local.allRooms() }
}

extension ClusterAdapter {
    /// Keeps a session on this server (forwarded to ``ClusterAdapter/local``): a client that
    /// reconnects to this server recovers. An adapter that shares sessions across servers
    /// (Redis Streams) implements it itself.
    public func persistSession(_ session: PersistedSession) { self.local.persistSession(session) }
    /// Finds a session kept on this server (forwarded to ``ClusterAdapter/local``).
    public func restoreSession(pid: String, offset: String) async throws -> RecoveredSession? {
        try await self.local.restoreSession(pid: pid, offset: offset)
    }
    /// Joins a recovered socket on this server (forwarded to ``ClusterAdapter/local``).
    public func joinRecovered(_ id: SocketID, rooms: Set<Room>, after offset: String) -> [[SocketIOValue]] {
        self.local.joinRecovered(id, rooms: rooms, after: offset)
    }
}
