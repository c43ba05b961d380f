public import EngineIOProtocol
public import SocketIOProtocol

/// A socket's public id (the `sid` of the CONNECT reply); also the name of its own room.
public typealias SocketID = String
/// A room name.
public typealias Room = String

/// Who a broadcast reaches and how (Node's `BroadcastOptions`).
public struct BroadcastOptions: Sendable, Hashable {
    /// The rooms to reach; empty means every socket of the namespace.
    public var rooms: Set<Room>
    /// Sockets in these rooms are left out (a socket id is a room).
    public var except: Set<Room>
    public var flags: BroadcastFlags

    public init(rooms: Set<Room> = [], except: Set<Room> = [], flags: BroadcastFlags = BroadcastFlags()) {
        self.rooms = rooms
        self.except = except
        self.flags = flags
    }
}

/// The flags of a broadcast.
public struct BroadcastFlags: Sendable, Hashable {
    /// Drop for clients that cannot take it right now, instead of queueing.
    public var volatile: Bool
    /// Only this server's sockets, even with a cluster adapter.
    public var local: Bool
    /// Whether to compress (kept for API parity; per-message compression is not implemented).
    public var compress: Bool

    public init(volatile: Bool = false, local: Bool = false, compress: Bool = true) {
        self.volatile = volatile
        self.local = local
        self.compress = compress
    }
}

/// The narrow view of a namespace an adapter gets: deliver encoded frames to local sockets.
/// An adapter never reaches into server internals (socketioxide's `SocketEmitter`).
public protocol LocalSocketEmitter: Sendable {
    /// Writes the same frames to each of these local sockets. Returns how many it reached.
    @discardableResult
    func deliver(_ frames: [EngineIOFrame], to sockets: Set<SocketID>, volatile: Bool) -> Int
}

/// Room membership and broadcasting for one namespace (Node's `Adapter`). The default is
/// ``InMemoryAdapter``; a cluster adapter also forwards to other servers.
public protocol SocketIOAdapter: AnyObject, Sendable {
    /// Adds a socket to rooms.
    func addAll(_ id: SocketID, rooms: Set<Room>)
    /// Removes a socket from one room.
    func del(_ id: SocketID, room: Room)
    /// Removes a socket from every room.
    func delAll(_ id: SocketID)
    /// The rooms a socket is in.
    func rooms(of id: SocketID) -> Set<Room>
    /// The local sockets a broadcast with these options reaches.
    func sockets(matching options: BroadcastOptions) -> Set<SocketID>
    /// Every room with at least one local member.
    func allRooms() -> Set<Room>
    /// Encodes `packet` once and delivers it to every matching socket.
    func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions)
}
