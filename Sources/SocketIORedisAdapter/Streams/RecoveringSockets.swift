import NIOCore
import SocketIO
import SocketIOProtocol

/// The sockets this server is recovering, so that each event reaches them once, in order,
/// whatever it crosses while a restore reads the stream and the socket joins its rooms.
///
/// A restore reads the missed events with `XRANGE` up to some entry; the socket joins its rooms
/// on its own event loop a little later. Meanwhile this server goes on delivering entries, from
/// its stream reader and from its own `XADD`s, in neither order nor step with the restore. So:
///
/// - from the moment the session is known (before the restore reads anything) until the socket
///   joins, every replayable event that reaches its rooms is kept here
///   (``deliver(_:offset:options:)``);
/// - the restore says how far it read the stream (``restored(_:through:)``): everything up to
///   there that reaches the session is in its replay;
/// - when the socket joins (``join(_:after:now:)``, atomically with the deliveries' choice of
///   targets), it gets the events kept past that point, in stream order, each once;
/// - for a while after, a delivery of an entry it was given (up to that point, or kept) skips
///   it (``skipsAsReplayed(_:offset:)``): the reader can lag behind the restore. An entry it
///   was not given still reaches it, late rather than never.
///
/// Node's streams adapter has neither: an event added after the restore's last read and
/// delivered before the join is lost, one delivered late comes twice. A plain value: the
/// adapter keeps it behind its lock, tests drive it with times given.
struct RecoveringSockets: Sendable {
    private struct Pending: Sendable {
        var rooms: Set<Room>
        var events: [(id: StreamID, data: [SocketIOValue])] = []
        var bytes = 0
        var since: ContinuousClock.Instant
        /// How far the restore read the stream, once it has.
        var readThrough: StreamID?
    }

    /// A socket that joined: what it was given.
    private struct Replayed: Sendable {
        /// Every entry up to here that reached it.
        var through: StreamID
        /// And these, past it.
        var beyond: Set<StreamID>
        var expiresAt: ContinuousClock.Instant
    }

    private var pending: [SocketID: Pending] = [:]
    /// The pending sockets by room: a delivery to rooms looks at their sockets only (a wave of
    /// restores meets a wave of events to single sockets, each socket's own `emit`s).
    private var pendingByRoom: [Room: Set<SocketID>] = [:]
    /// Sockets that joined, and what they were given, for a while.
    private var replayed: [SocketID: Replayed] = [:]
    private var nextPrune: ContinuousClock.Instant?

    /// How long a restore may wait for its socket to join before it is forgotten: a connection
    /// that joins nothing is closed by then (`connectTimeout`, 45 s).
    static let pendingLifetime: Duration = .seconds(60)
    /// How long after joining a late delivery of an entry already given is skipped.
    static let replayedLifetime: Duration = .seconds(30)

    /// The most bytes kept for one socket; past it, later events are not kept (logged by the caller).
    let maxBytes: Int

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Whether nothing is being recovered: deliveries need not look.
    var isEmpty: Bool { self.pending.isEmpty && self.replayed.isEmpty }

    /// A restore of socket `id`, in `rooms`, starts: keep what reaches them from now on.
    mutating func start(_ id: SocketID, rooms: Set<Room>, now: ContinuousClock.Instant) {
        self.prune(now: now)
        self.cancel(id)
        var rooms = rooms
        rooms.insert(id)
        self.pending[id] = Pending(rooms: rooms, since: now)
        for room in rooms { self.pendingByRoom[room, default: []].insert(id) }
    }

    /// The restore of `id` gave up: nothing to keep for it.
    mutating func cancel(_ id: SocketID) {
        _ = self.removePending(id)
    }

    private mutating func removePending(_ id: SocketID) -> Pending? {
        guard let entry = self.pending.removeValue(forKey: id) else { return nil }
        for room in entry.rooms {
            self.pendingByRoom[room]?.remove(id)
            if self.pendingByRoom[room]?.isEmpty == true { self.pendingByRoom[room] = nil }
        }
        return entry
    }

    /// A replayable event (its data already ending with `offset`) is delivered: kept for the
    /// sockets being restored that it reaches. Returns the ids of those whose bound it passed.
    mutating func deliver(_ data: [SocketIOValue], offset: StreamID, options: BroadcastOptions) -> [SocketID] {
        guard !self.pending.isEmpty else { return [] }
        var overflowed: [SocketID] = []
        let size = data.reduce(0) { $0 + Self.estimate($1) }
        let candidates: [SocketID] =
            options.rooms.isEmpty
            ? Array(self.pending.keys) : Array(options.rooms.reduce(into: Set<SocketID>()) { $0.formUnion(self.pendingByRoom[$1] ?? []) })
        for id in candidates {
            guard let entry = self.pending[id], StreamsWire.reaches(options, sessionRooms: entry.rooms) else { continue }
            guard entry.bytes + size <= self.maxBytes else {
                overflowed.append(id)
                continue
            }
            self.pending[id]!.events.append((offset, data))
            self.pending[id]!.bytes += size
        }
        return overflowed
    }

    /// The restore of `id` read the stream through entry `through`: every event up to there
    /// that reaches the session is in its replay.
    mutating func restored(_ id: SocketID, through: StreamID) {
        self.pending[id]?.readThrough = through
    }

    /// Socket `id` joins its rooms, replayed up to `last` (the last event replayed, or the
    /// client's offset; `nil`: nothing). Returns the events kept for it past what the restore
    /// read, in stream order, each once.
    mutating func join(_ id: SocketID, after last: StreamID?, now: ContinuousClock.Instant) -> [[SocketIOValue]] {
        guard let entry = self.removePending(id) else { return [] }
        let through = [last, entry.readThrough].compactMap { $0 }.max()
        var seen = Set<StreamID>()
        let events = entry.events
            .filter { event in through.map { event.id > $0 } ?? true }
            .sorted { $0.id < $1.id }
            .filter { seen.insert($0.id).inserted }
        if let through {
            self.replayed[id] = Replayed(through: through, beyond: seen, expiresAt: now.advanced(by: Self.replayedLifetime))
        }
        return events.map { $0.data }
    }

    /// Whether a delivery of entry `offset` to socket `id` would give it an event it was given
    /// when it joined.
    func skipsAsReplayed(_ id: SocketID, offset: StreamID) -> Bool {
        guard let replayed = self.replayed[id] else { return false }
        return offset <= replayed.through || replayed.beyond.contains(offset)
    }

    /// Takes out of `targets` the sockets that were given entry `offset` when they joined;
    /// looks at the smaller of the two sets.
    func removeReplayed(from targets: inout Set<SocketID>, offset: StreamID) {
        guard !self.replayed.isEmpty else { return }
        if targets.count <= self.replayed.count {
            targets = targets.filter { !self.skipsAsReplayed($0, offset: offset) }
        } else {
            for id in self.replayed.keys where self.skipsAsReplayed(id, offset: offset) { targets.remove(id) }
        }
    }

    /// Forgets restores whose socket never joined, and joins long past; at most once a second.
    mutating func prune(now: ContinuousClock.Instant) {
        if let next = self.nextPrune, now < next { return }
        self.nextPrune = now.advanced(by: .seconds(1))
        for (id, entry) in self.pending where now >= entry.since.advanced(by: Self.pendingLifetime) {
            _ = self.removePending(id)
        }
        self.replayed = self.replayed.filter { now < $0.value.expiresAt }
    }

    /// About what a value takes, for the bound.
    private static func estimate(_ value: SocketIOValue) -> Int {
        switch value {
        case .string(let string): return 16 + string.utf8.count
        case .binary(let bytes): return 16 + bytes.readableBytes
        case .array(let items): return 16 + items.reduce(0) { $0 + Self.estimate($1) }
        case .object(let object): return 16 + object.entries.reduce(0) { $0 + 16 + $1.key.utf8.count + Self.estimate($1.value) }
        default: return 16
        }
    }
}
