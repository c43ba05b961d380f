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
/// - from the moment the session is known (before the first `XRANGE`) until the socket joins,
///   every replayable event that reaches its rooms is kept here (``deliver(_:offset:options:)``);
/// - when it joins (``join(_:after:)``, atomically with the delivery's choice of targets), it
///   gets those after the last one replayed, in stream order;
/// - for a while after, a delivery of an entry at or before the last one it was given skips it
///   (``skipsAsReplayed(_:offset:)``): the reader can lag behind the restore.
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
    }

    private var pending: [SocketID: Pending] = [:]
    /// Sockets that joined, and the last entry they were given, until `expiresAt`.
    private var replayed: [SocketID: (upTo: StreamID, expiresAt: ContinuousClock.Instant)] = [:]
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
        var rooms = rooms
        rooms.insert(id)
        self.pending[id] = Pending(rooms: rooms, since: now)
    }

    /// The restore of `id` gave up: nothing to keep for it.
    mutating func cancel(_ id: SocketID) {
        self.pending[id] = nil
    }

    /// A replayable event (its data already ending with `offset`) is delivered: kept for the
    /// sockets being restored that it reaches. Returns the ids of those whose bound it passed.
    mutating func deliver(_ data: [SocketIOValue], offset: StreamID, options: BroadcastOptions) -> [SocketID] {
        var overflowed: [SocketID] = []
        let size = data.reduce(0) { $0 + Self.estimate($1) }
        for (id, entry) in self.pending where StreamsWire.reaches(options, sessionRooms: entry.rooms) {
            guard entry.bytes + size <= self.maxBytes else {
                overflowed.append(id)
                continue
            }
            self.pending[id]!.events.append((offset, data))
            self.pending[id]!.bytes += size
        }
        return overflowed
    }

    /// Socket `id` joins its rooms, having been replayed up to `last` (`nil`: nothing). Returns
    /// the events kept for it after `last`, in stream order, each once.
    mutating func join(_ id: SocketID, after last: StreamID?, now: ContinuousClock.Instant) -> [[SocketIOValue]] {
        guard let entry = self.pending.removeValue(forKey: id) else { return [] }
        var seen = Set<StreamID>()
        let events = entry.events
            .filter { event in last.map { event.id > $0 } ?? true }
            .sorted { $0.id < $1.id }
            .filter { seen.insert($0.id).inserted }
        if let upTo = events.last?.id ?? last {
            self.replayed[id] = (upTo, now.advanced(by: Self.replayedLifetime))
        }
        return events.map { $0.data }
    }

    /// Whether a delivery of entry `offset` to socket `id` would give it an event it was given
    /// when it joined.
    func skipsAsReplayed(_ id: SocketID, offset: StreamID) -> Bool {
        guard let replayed = self.replayed[id] else { return false }
        return offset <= replayed.upTo
    }

    /// The sockets whose deliveries are to be checked with ``skipsAsReplayed(_:offset:)``.
    var replayedSockets: Dictionary<SocketID, (upTo: StreamID, expiresAt: ContinuousClock.Instant)>.Keys { self.replayed.keys }

    /// Forgets restores whose socket never joined, and joins long past; at most once a second.
    mutating func prune(now: ContinuousClock.Instant) {
        if let next = self.nextPrune, now < next { return }
        self.nextPrune = now.advanced(by: .seconds(1))
        self.pending = self.pending.filter { now < $0.value.since.advanced(by: Self.pendingLifetime) }
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
