import EngineIO
import EngineIOProtocol
import NIOCore
import NIOPosix
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
        /// With connection state recovery: the sessions and events kept.
        var recovery: RecoveryStore?
        var sweepScheduled = false
    }

    /// Behind a `Mutex`, not in an actor: joins, leaves and broadcasts are called from event-loop
    /// code that cannot `await`, each critical section is a few set operations, and no lock is
    /// held across a suspension or a delivery.
    private let state = Mutex(State())
    private let observers = Mutex<[@Sendable (RoomChange) -> Void]>([])
    private let observed = Atomic(false)
    /// The namespace this adapter serves.
    public let namespace: any LocalNamespace

    /// The adapter of `namespace`, whose sockets it delivers to. With the namespace's
    /// ``LocalNamespace/connectionStateRecovery`` set, it keeps sessions and events for
    /// recovery, as Node's `SessionAwareAdapter` does.
    public convenience init(namespace: any LocalNamespace) {
        self.init(namespace: namespace, connectionStateRecovery: namespace.connectionStateRecovery)
    }

    /// The adapter of `namespace`, keeping sessions and events for recovery with these
    /// settings, or none with `nil` (for a cluster adapter that keeps them elsewhere, such as
    /// in Redis).
    public init(namespace: any LocalNamespace, connectionStateRecovery: ConnectionStateRecovery?) {
        self.namespace = namespace
        if let settings = connectionStateRecovery {
            let prefix = String(UInt32.random(in: .min ... .max), radix: 36) + "-"
            self.state.withLock { $0.recovery = RecoveryStore(settings: settings, offsetPrefix: prefix) }
        }
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
        guard self.observed.load(ordering: .relaxed) else {
            self.state.withLock { Self.add(id, rooms: rooms, in: &$0) }
            return
        }
        // Observed (the Admin UI): report the rooms the socket was not in yet, as Node's
        // adapter emits `join-room` only for those. Its own room always counts as new.
        let joined = self.state.withLock { state in
            let before = state.sids[id] ?? []
            Self.add(id, rooms: rooms, in: &state)
            return rooms.filter { $0 == id || !before.contains($0) }
        }
        self.notify(joined.map { .joined(room: $0, socket: id) })
    }

    private static func add(_ id: SocketID, rooms: Set<Room>, in state: inout State) {
        var rooms = rooms
        rooms.remove(id)
        state.sids[id, default: []].formUnion(rooms)
        for room in rooms { state.rooms[room, default: []].insert(id) }
    }

    /// Removes socket `id` from `room`.
    public func del(_ id: SocketID, room: Room) {
        let removed = self.state.withLock { state in
            state.sids[id]?.remove(room)
            if state.rooms[room]?.remove(id) != nil {
                if state.rooms[room]?.isEmpty == true { state.rooms[room] = nil }
                return true
            }
            return false
        }
        if removed, self.observed.load(ordering: .relaxed) { self.notify([.left(room: room, socket: id)]) }
    }

    /// Removes socket `id` from every room (it disconnected).
    public func delAll(_ id: SocketID) {
        let left: Set<Room> = self.state.withLock { state in
            guard let rooms = state.sids.removeValue(forKey: id) else { return [] }
            for room in rooms {
                if state.rooms[room]?.remove(id) != nil, state.rooms[room]?.isEmpty == true {
                    state.rooms[room] = nil
                }
            }
            state.rooms.releaseSpareCapacity()
            state.sids.releaseSpareCapacity()
            return rooms
        }
        if self.observed.load(ordering: .relaxed) {
            self.notify((left.union([id])).map { .left(room: $0, socket: id) })
        }
    }

    // MARK: - Observing membership

    /// A change of membership, as Node's adapter reports it with its `join-room` and
    /// `leave-room` events.
    public enum RoomChange: Sendable, Hashable {
        /// The socket joined the room.
        case joined(room: Room, socket: SocketID)
        /// The socket left the room (or disconnected).
        case left(room: Room, socket: SocketID)
    }

    /// Calls `observer` after each change of membership on this server, on the thread that
    /// made it (Node's `adapter.on("join-room")` and `adapter.on("leave-room")`; the Admin UI
    /// uses them). A socket's own room is reported when it connects and disconnects.
    ///
    /// Without an observer, joins and leaves cost one relaxed atomic load more.
    public func onRoomChange(_ observer: @escaping @Sendable (RoomChange) -> Void) {
        self.observers.withLock { $0.append(observer) }
        self.observed.store(true, ordering: .relaxed)
    }

    private func notify(_ changes: [RoomChange]) {
        guard !changes.isEmpty else { return }
        let observers = self.observers.withLock { $0 }
        for change in changes {
            for observer in observers { observer(change) }
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
        self.state.withLock { Self.match(options, in: $0) }
    }

    private static func match(_ options: BroadcastOptions, in state: borrowing State) -> Set<SocketID> {
        do {
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

    /// Encodes `packet` once and delivers it to the matching sockets. With recovery on, an
    /// event without an ack id and not volatile gets an offset and is kept for replay.
    public func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) {
        if self.keepsEvents, Self.isReplayable(packet, options: options), case .array = packet.data {
            return self.broadcastKept(packet, options: options)
        }
        let targets = self.sockets(matching: options)
        guard !targets.isEmpty else { return }
        // Encoded once, in the server's wire; every target gets the same buffers.
        let frames = self.namespace.encode(packet)
        self.namespace.deliver(frames, to: targets, volatile: options.flags.volatile, compress: options.flags.compress)
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

    // MARK: - Connection state recovery

    /// Whether this adapter keeps sessions and events (recovery is on).
    var keepsEvents: Bool { self.state.withLock { $0.recovery != nil } }

    /// Node's rule: events only, without an ack (an ack callback cannot be replayed), not volatile.
    static func isReplayable(_ packet: SocketIOPacket, options: BroadcastOptions) -> Bool {
        (packet.type == .event || packet.type == .binaryEvent) && packet.id == nil && !options.flags.volatile
    }

    /// A broadcast that is kept for replay. The offset is taken, the event kept, its
    /// targets found and the frames handed to their loops under one lock: so every socket
    /// gets kept events in offset order (a client that saw offset N has seen every earlier
    /// event for it, so a replay from N sends nothing twice), and a recovering socket that
    /// joins (``joinRecovered(_:rooms:after:)``) gets each event exactly once, either live or
    /// in its catch-up. Node's single thread gives the same order for free.
    private func broadcastKept(_ packet: SocketIOPacket, options: BroadcastOptions) {
        let now = Self.now()
        var scheduleSweep = false
        self.state.withLock { state in
            guard var store = state.recovery.take() else { return }
            defer { state.recovery = store }
            let sequence = store.takeSequence()
            var packet = packet
            guard case .array(var data) = packet.data else { return }
            data.append(.string(store.offset(of: sequence)))
            packet.data = .array(data)
            let frames = self.namespace.encode(packet)
            let bytes = frames.reduce(0) { $0 + $1.byteCount }
            store.append(
                RecoveryStore.StoredPacket(
                    sequence: sequence,
                    rooms: options.rooms,
                    except: options.except,
                    data: data,
                    emittedAt: now,
                    bytes: bytes
                ),
                now: now
            )
            if !state.sweepScheduled {
                state.sweepScheduled = true
                scheduleSweep = true
            }
            let targets = Self.match(options, in: state)
            if !targets.isEmpty { self.namespace.deliver(frames, to: targets, volatile: false) }
        }
        if scheduleSweep { self.scheduleSweep() }
    }

    /// Keeps the session of a socket that left for a reason a reconnect can follow.
    public func persistSession(_ session: PersistedSession) {
        let now = Self.now()
        let scheduleSweep = self.state.withLock { state -> Bool in
            guard state.recovery != nil else { return false }
            state.recovery!.persist(session, now: now)
            defer { state.sweepScheduled = true }
            return !state.sweepScheduled
        }
        if scheduleSweep { self.scheduleSweep() }
    }

    /// Takes back the session `pid` and the events after `offset` that reach its rooms.
    public func restoreSession(pid: String, offset: String) async throws -> RecoveredSession? {
        let now = Self.now()
        return self.state.withLock { $0.recovery?.restore(pid: pid, offset: offset, now: now) }
    }

    /// Joins a recovered socket to its rooms and returns the events kept after `offset` (the
    /// last one it was replayed) that reached those rooms meanwhile, under the lock that
    /// broadcasts kept for replay hold: each later event reaches the socket live, each
    /// earlier one is in the result, none both. Called on the socket's loop, which then sends
    /// the result before any live event (those reach the loop in later jobs). Without recovery
    /// on, it joins and returns nothing.
    public func joinRecovered(_ id: SocketID, rooms: Set<Room>, after offset: String) -> [[SocketIOValue]] {
        self.state.withLock { state in
            var missed: [[SocketIOValue]] = []
            if let store = state.recovery, let sequence = store.sequence(of: offset) {
                missed = store.packets(after: sequence, reaching: rooms)
            }
            Self.add(id, rooms: rooms, in: &state)
            return missed
        }
    }

    /// Sweeps expired sessions and events every minute (as Node), or within the window when
    /// that is shorter, on an event loop; stops while there is nothing to sweep.
    private func scheduleSweep() {
        let interval = self.state.withLock { state -> Duration in
            min(.seconds(60), state.recovery?.settings.maxDisconnectionDuration ?? .seconds(60))
        }
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.any()
        loop.scheduleTask(in: TimeAmount(interval)) { [weak self] in
            guard let self else { return }
            let now = Self.now()
            let again = self.state.withLock { state -> Bool in
                let left = state.recovery?.sweep(now: now) ?? false
                state.sweepScheduled = left
                return left
            }
            if again { self.scheduleSweep() }
        }
    }

    /// What the store holds now: events, their encoded bytes, sessions and their estimated
    /// bytes (for tests and the `reconnect` bench).
    var recoveryFootprint: (events: Int, eventBytes: Int, sessions: Int, sessionBytes: Int) {
        self.state.withLock { state in
            guard let store = state.recovery else { return (0, 0, 0, 0) }
            return (store.packetCount, store.packetBytes, store.sessionCount, store.sessionBytes)
        }
    }

    /// Monotonic milliseconds: the window does not jump with the wall clock.
    private static func now() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000) }
}
