import NIOCore
import SocketIO
import SocketIOProtocol

/// The last entries a server's stream reader read, decoded once, in stream order: what a restore
/// reads instead of asking Redis again (`XRANGE`) and decoding again what this server already
/// read.
///
/// Node's restore reads every entry after the offset from Redis and decodes each, for each
/// client: a wave of n clients coming back costs n times the entries since they left (each
/// client's own `socket.emit`s are entries too), n² in all. Here the reader decodes each entry
/// once as it delivers it, and the broadcasts are indexed by room: a restore looks at the
/// entries after its offset that went to everyone or to one of the session's rooms, not at every
/// other socket's private events.
///
/// Bounded: the last `maxEntries` entries (the stream's own `maxLen`), at most `maxBytes`;
/// past either the oldest go. An offset older than the first entry kept is read from Redis, as
/// before. A plain value: the node keeps it behind a lock per stream.
struct StreamCache: Sendable {
    /// What a restore needs of an entry.
    enum Payload: Sendable, Equatable {
        /// A broadcast: its event's data (no offset), who it reached, and whether a client got
        /// an offset for it (not volatile, no ack).
        case broadcast(namespace: String, data: [SocketIOValue], options: BroadcastOptions, replayable: Bool)
        /// Anything a restore passes over: another type, or an entry that does not decode (the
        /// reader dropped it too).
        case other
        /// An entry the reader could not keep (past the keep limits): a restore it may concern
        /// cannot be complete. `namespace` when its `nsp` field was kept.
        case tooLarge(namespace: String?)
    }

    private struct Entry: Sendable {
        var id: StreamID
        var payload: Payload
        var bytes: Int
    }

    /// What a lookup found.
    enum Lookup: Equatable {
        /// The cache does not reach back to the offset: read from Redis.
        case notCached
        /// The missed events after the offset (each ending with its offset), what they weigh,
        /// and the last entry the cache holds: read on from Redis after it.
        case found(missed: [[SocketIOValue]], bytes: Int, last: StreamID)
        /// An entry after the offset that may concern the session was too large to keep.
        case tooLarge(StreamID)
    }

    let maxEntries: Int
    let maxBytes: Int
    private var entries = CircularBuffer<Entry>()
    /// The position, counted from the first entry ever appended, of `entries.first`.
    private var firstPosition = 0
    /// Positions of the replayable broadcasts to rooms, by room; to everyone; and of the entries
    /// too large to keep. Each in increasing order.
    private var byRoom: [Room: CircularBuffer<Int>] = [:]
    private var toEveryone = CircularBuffer<Int>()
    private var tooLarge = CircularBuffer<Int>()
    private(set) var bytes = 0

    init(maxEntries: Int, maxBytes: Int) {
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = max(1, maxBytes)
    }

    var count: Int { self.entries.count }

    /// An entry the reader read, after every entry appended before it.
    mutating func append(_ id: StreamID, _ payload: Payload, bytes: Int) {
        if let last = self.entries.last?.id, id <= last { self.reset() }  // not in order: start over
        let position = self.firstPosition + self.entries.count
        switch payload {
        case .broadcast(_, _, let options, true):
            if options.rooms.isEmpty {
                self.toEveryone.append(position)
            } else {
                for room in options.rooms { self.byRoom[room, default: []].append(position) }
            }
        case .tooLarge:
            self.tooLarge.append(position)
        case .broadcast, .other:
            break
        }
        self.entries.append(Entry(id: id, payload: payload, bytes: bytes))
        self.bytes += bytes
        while self.entries.count > self.maxEntries || (self.bytes > self.maxBytes && self.entries.count > 1) {
            self.removeFirst()
        }
    }

    private mutating func removeFirst() {
        let entry = self.entries.removeFirst()
        let position = self.firstPosition
        self.firstPosition += 1
        self.bytes -= entry.bytes
        switch entry.payload {
        case .broadcast(_, _, let options, true):
            if options.rooms.isEmpty {
                if self.toEveryone.first == position { self.toEveryone.removeFirst() }
            } else {
                for room in options.rooms where self.byRoom[room]?.first == position {
                    self.byRoom[room]!.removeFirst()
                    if self.byRoom[room]!.isEmpty { self.byRoom[room] = nil }
                }
            }
        case .tooLarge:
            if self.tooLarge.first == position { self.tooLarge.removeFirst() }
        case .broadcast, .other:
            break
        }
    }

    /// The stream was made again: nothing kept applies.
    mutating func reset() {
        self.firstPosition += self.entries.count
        self.entries.removeAll(keepingCapacity: false)
        self.byRoom = [:]
        self.toEveryone.removeAll(keepingCapacity: false)
        self.tooLarge.removeAll(keepingCapacity: false)
        self.bytes = 0
    }

    /// Whether entry `id` is kept: the reader read it, so it was in the stream.
    func contains(_ id: StreamID) -> Bool {
        let index = self.firstIndex(after: id)
        guard index > 0 else { return false }
        return self.entry(at: index - 1).id == id
    }

    private func entry(at offset: Int) -> Entry {
        self.entries[self.entries.index(self.entries.startIndex, offsetBy: offset)]
    }

    /// How many entries come at or before `id` (ids only grow): a binary search.
    private func firstIndex(after id: StreamID) -> Int {
        var (low, high) = (0, self.entries.count)
        while low < high {
            let middle = (low + high) / 2
            if self.entry(at: middle).id <= id { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The positions in `list` from `position` on.
    private static func suffix(of list: CircularBuffer<Int>, from position: Int) -> CircularBuffer<Int> {
        var (low, high) = (0, list.count)
        while low < high {
            let middle = (low + high) / 2
            if list[list.index(list.startIndex, offsetBy: middle)] < position { low = middle + 1 } else { high = middle }
        }
        return list[list.index(list.startIndex, offsetBy: low)...]
    }

    /// The broadcasts of `namespace` after `offset` that reach a session in `rooms` and that
    /// carried an offset, each ending with its entry's id.
    func missed(after offset: StreamID, namespace: String, rooms: Set<Room>) -> Lookup {
        guard let first = self.entries.first, first.id <= offset else { return .notCached }
        let last = self.entries.last!.id
        let start = self.firstPosition + self.firstIndex(after: offset)
        for position in Self.suffix(of: self.tooLarge, from: start) {
            let entry = self.entry(at: position - self.firstPosition)
            if case .tooLarge(let entryNamespace) = entry.payload, entryNamespace == nil || entryNamespace == namespace {
                return .tooLarge(entry.id)
            }
        }
        var positions = Set(Self.suffix(of: self.toEveryone, from: start))
        for room in rooms {
            if let list = self.byRoom[room] { positions.formUnion(Self.suffix(of: list, from: start)) }
        }
        var missed: [[SocketIOValue]] = []
        var bytes = 0
        for position in positions.sorted() {
            let entry = self.entry(at: position - self.firstPosition)
            guard case .broadcast(let entryNamespace, let data, let options, true) = entry.payload, entryNamespace == namespace,
                StreamsWire.reaches(options, sessionRooms: rooms)
            else { continue }
            missed.append(data + [.string(entry.id.description)])
            bytes += entry.bytes
        }
        return .found(missed: missed, bytes: bytes, last: max(last, offset))
    }
}
