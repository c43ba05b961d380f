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

    public init(namespace: any LocalNamespace) {
        self.namespace = namespace
    }

    /// Makes an ``InMemoryAdapter`` for each namespace (the default).
    public struct Factory: SocketIOAdapterFactory {
        public init() {}
        public func makeAdapter(for namespace: any LocalNamespace) -> any SocketIOAdapter {
            InMemoryAdapter(namespace: namespace)
        }
    }

    public func addAll(_ id: SocketID, rooms: Set<Room>) {
        self.state.withLock { state in
            var rooms = rooms
            rooms.remove(id)
            state.sids[id, default: []].formUnion(rooms)
            for room in rooms { state.rooms[room, default: []].insert(id) }
        }
    }

    public func del(_ id: SocketID, room: Room) {
        self.state.withLock { state in
            state.sids[id]?.remove(room)
            if state.rooms[room]?.remove(id) != nil, state.rooms[room]?.isEmpty == true {
                state.rooms[room] = nil
            }
        }
    }

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

    public func rooms(of id: SocketID) -> Set<Room> {
        self.state.withLock { state in
            guard var rooms = state.sids[id] else { return [] }
            rooms.insert(id)
            return rooms
        }
    }

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

    public func allRooms() -> Set<Room> {
        self.state.withLock { Set($0.rooms.keys).union($0.sids.keys) }
    }

    // MARK: - The cluster: this server

    public func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) {
        let targets = self.sockets(matching: options)
        guard !targets.isEmpty else { return }
        // Encoded once; every target gets the same buffers.
        let frames = packet.encode()
        self.namespace.deliver(frames, to: targets, volatile: options.flags.volatile)
    }

    public func broadcastWithAck(
        _ packet: SocketIOPacket, options: BroadcastOptions,
        onClientCount: @escaping @Sendable (Int) -> Void, onAck: @escaping @Sendable (SocketIOValue) -> Void
    ) {
        let targets = self.sockets(matching: options)
        onClientCount(targets.count)
        guard !targets.isEmpty else { return }
        self.namespace.deliverWithAck(packet, to: targets, volatile: options.flags.volatile, onAck: onAck) { onClientCount(-1) }
    }

    public func addSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        self.namespace.join(self.sockets(matching: options), rooms: rooms)
    }

    public func delSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        self.namespace.leave(self.sockets(matching: options), rooms: rooms)
    }

    public func disconnectSockets(_ options: BroadcastOptions, close: Bool) {
        self.namespace.disconnect(self.sockets(matching: options), close: close)
    }

    public func fetchSockets(_ options: BroadcastOptions) async throws -> [SocketDetails] {
        self.namespace.details(of: self.sockets(matching: options))
    }

    public func serverSideEmit(_ arguments: [SocketIOValue]) throws {
        throw AdapterError.unsupported("serverSideEmit()")
    }

    public func serverSideEmitWithAck(_ arguments: [SocketIOValue], timeout: Duration) async throws -> [SocketIOValue] {
        throw AdapterError.unsupported("serverSideEmit()")
    }

    public func serverCount() async throws -> Int { 1 }
}
