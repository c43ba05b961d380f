import EngineIOProtocol
public import SocketIOProtocol
import Synchronization

/// The default adapter: rooms in memory, for one server (Node's in-memory `Adapter`). Its
/// cluster is this server: cluster operations act on local sockets, `serverCount()` is 1, and
/// `serverSideEmit` is unsupported, as in Node.
///
/// Membership is kept both ways, room → sockets and socket → rooms, in sets, so joins, leaves
/// and broadcasts never scan. A socket's own room (its id) is implicit: every socket is in it,
/// so storing it (two sets per socket, as Node does) would only cost memory.
public final class InMemoryAdapter: SocketIOAdapter {
    private struct State: ~Copyable {
        var rooms: [Room: Set<SocketID>] = [:]
        var sids: [SocketID: Set<Room>] = [:]
    }

    /// Behind a `Mutex`, not in an actor: joins, leaves and broadcasts are called from event-loop
    /// code that cannot `await`, each critical section is a few set operations, and no lock is
    /// held across a suspension or a delivery.
    private let state = Mutex(State())
    /// The namespace this adapter serves.
    public let namespace: any LocalNamespace

    /// The adapter of `namespace`, whose sockets it delivers to.
    public init(namespace: any LocalNamespace) {
        self.namespace = namespace
    }

    /// Makes an ``InMemoryAdapter`` for each namespace (the default).
    public struct Factory: SocketIOAdapterFactory {
        /// The factory the server uses by default.
        public init() {}
        /// An in-memory adapter for `namespace`.
        public func makeAdapter(for namespace: any LocalNamespace) -> any SocketIOAdapter {
            InMemoryAdapter(namespace: namespace)
        }
    }

    /// Adds socket `id` to `rooms`.
    public func addAll(_ id: SocketID, rooms: Set<Room>) {
        self.state.withLock { state in
            var rooms = rooms
            rooms.remove(id)
            state.sids[id, default: []].formUnion(rooms)
            for room in rooms { state.rooms[room, default: []].insert(id) }
        }
    }

    /// Removes socket `id` from `room`.
    public func del(_ id: SocketID, room: Room) {
        self.state.withLock { state in
            state.sids[id]?.remove(room)
            if state.rooms[room]?.remove(id) != nil, state.rooms[room]?.isEmpty == true {
                state.rooms[room] = nil
            }
        }
    }

    /// Removes socket `id` from every room (it disconnected).
    public func delAll(_ id: SocketID) {
        self.state.withLock { state in
            guard let rooms = state.sids.removeValue(forKey: id) else { return }
            for room in rooms {
                if state.rooms[room]?.remove(id) != nil, state.rooms[room]?.isEmpty == true {
                    state.rooms[room] = nil
                }
            }
            state.rooms.releaseSpareCapacity()
            state.sids.releaseSpareCapacity()
        }
    }

    /// The rooms socket `id` is in.
    public func rooms(of id: SocketID) -> Set<Room> {
        self.state.withLock { state in
            guard var rooms = state.sids[id] else { return [] }
            rooms.insert(id)
            return rooms
        }
    }

    /// The ids of the sockets in `options.rooms` (all when empty), minus those in `options.except`.
    public func sockets(matching options: BroadcastOptions) -> Set<SocketID> {
        self.state.withLock { state in
            var targets: Set<SocketID>
            if options.rooms.isEmpty {
                targets = Set(state.sids.keys)
            } else {
                targets = []
                for room in options.rooms {
                    if let members = state.rooms[room] { targets.formUnion(members) }
                    if state.sids[room] != nil { targets.insert(room) }  // a socket's own room
                }
            }
            for room in options.except {
                if let members = state.rooms[room] { targets.subtract(members) }
                targets.remove(room)  // a socket's own room
            }
            return targets
        }
    }

    /// Every room with at least one socket, socket ids included (Node's `adapter.rooms`).
    public func allRooms() -> Set<Room> {
        self.state.withLock { Set($0.rooms.keys).union($0.sids.keys) }
    }

    // MARK: - The cluster: this server

    /// Encodes `packet` once and delivers it to the matching sockets.
    public func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) {
        let targets = self.sockets(matching: options)
        guard !targets.isEmpty else { return }
        // Encoded once, in the server's wire; every target gets the same buffers.
        let frames = self.namespace.encode(packet)
        self.namespace.deliver(frames, to: targets, volatile: options.flags.volatile)
    }

    /// Delivers `packet` with one ack id to the matching sockets; `onAck` gets each answer, `onClientCount` how many were asked.
    public func broadcastWithAck(
        _ packet: SocketIOPacket,
        options: BroadcastOptions,
        onClientCount: @escaping @Sendable (Int) -> Void,
        onAck: @escaping @Sendable (SocketIOValue) -> Void
    ) {
        let targets = self.sockets(matching: options)
        onClientCount(targets.count)
        guard !targets.isEmpty else { return }
        self.namespace.deliverWithAck(packet, to: targets, volatile: options.flags.volatile, timeout: options.flags.timeout, onAck: onAck) {
            onClientCount(-1)
        }
    }

    /// Makes the matching sockets join `rooms` (Node's `socketsJoin`).
    public func addSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        self.namespace.join(self.sockets(matching: options), rooms: rooms)
    }

    /// Makes the matching sockets leave `rooms` (Node's `socketsLeave`).
    public func delSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        self.namespace.leave(self.sockets(matching: options), rooms: rooms)
    }

    /// Disconnects the matching sockets; with `close`, their connections too.
    public func disconnectSockets(_ options: BroadcastOptions, close: Bool) {
        self.namespace.disconnect(self.sockets(matching: options), close: close)
    }

    /// The matching sockets, as other servers would see them.
    public func fetchSockets(_ options: BroadcastOptions) async throws -> [SocketDetails] {
        self.namespace.details(of: self.sockets(matching: options))
    }

    /// Throws ``AdapterError/unsupported(_:)``: one server has no other to tell (as Node's in-memory adapter).
    public func serverSideEmit(_ arguments: [SocketIOValue]) throws {
        throw AdapterError.unsupported("serverSideEmit()")
    }

    /// Throws ``AdapterError/unsupported(_:)``, as ``serverSideEmit(_:)``.
    public func serverSideEmitWithAck(_ arguments: [SocketIOValue], timeout: Duration) async throws -> [SocketIOValue] {
        throw AdapterError.unsupported("serverSideEmit()")
    }

    /// One: this server.
    public func serverCount() async throws -> Int { 1 }
}
