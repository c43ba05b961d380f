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
/// once as it delivers it, and a restore scans the decoded entries after its offset; only what
/// the reader has not read yet comes from Redis.
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
    private(set) var bytes = 0

    init(maxEntries: Int, maxBytes: Int) {
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = max(1, maxBytes)
    }

    var count: Int { self.entries.count }

    /// An entry the reader read, after every entry appended before it.
    mutating func append(_ id: StreamID, _ payload: Payload, bytes: Int) {
        if let last = self.entries.last?.id, id <= last { self.reset() }  // not in order: start over
        self.entries.append(Entry(id: id, payload: payload, bytes: bytes))
        self.bytes += bytes
        while self.entries.count > self.maxEntries || (self.bytes > self.maxBytes && self.entries.count > 1) {
            self.bytes -= self.entries.removeFirst().bytes
        }
    }

    /// The stream was made again: nothing kept applies.
    mutating func reset() {
        self.entries.removeAll(keepingCapacity: false)
        self.bytes = 0
    }

    /// Whether entry `id` is kept: the reader read it, so it was in the stream.
    func contains(_ id: StreamID) -> Bool {
        let index = self.firstIndex(after: id)
        guard index != self.entries.startIndex else { return false }
        return self.entries[self.entries.index(before: index)].id == id
    }

    /// The index of the first entry after `id` (ids only grow): a binary search.
    private func firstIndex(after id: StreamID) -> CircularBuffer<Entry>.Index {
        var low = self.entries.startIndex
        var high = self.entries.endIndex
        while low < high {
            let middle = self.entries.index(low, offsetBy: self.entries.distance(from: low, to: high) / 2)
            if self.entries[middle].id <= id {
                low = self.entries.index(after: middle)
            } else {
                high = middle
            }
        }
        return low
    }

    /// The broadcasts of `namespace` after `offset` that reach a session in `rooms` and that
    /// carried an offset, each ending with its entry's id.
    func missed(after offset: StreamID, namespace: String, rooms: Set<Room>) -> Lookup {
        guard let first = self.entries.first, first.id <= offset else { return .notCached }
        let last = self.entries.last!.id
        let low = self.firstIndex(after: offset)
        var missed: [[SocketIOValue]] = []
        var bytes = 0
        for entry in self.entries[low...] {
            switch entry.payload {
            case .broadcast(let entryNamespace, let data, let options, let replayable):
                guard replayable, entryNamespace == namespace, StreamsWire.reaches(options, sessionRooms: rooms) else { continue }
                missed.append(data + [.string(entry.id.description)])
                bytes += entry.bytes
            case .other:
                continue
            case .tooLarge(let entryNamespace):
                if entryNamespace == nil || entryNamespace == namespace { return .tooLarge(entry.id) }
            }
        }
        return .found(missed: missed, bytes: bytes, last: max(last, offset))
    }
}
