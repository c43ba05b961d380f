import NIOCore
import SocketIOProtocol

/// The sessions and events the in-memory adapter keeps for connection state recovery (the
/// state of Node's `SessionAwareAdapter`), as a plain value: time comes in as milliseconds, so
/// it is tested without a clock or a lock. ``InMemoryAdapter`` keeps it behind its lock.
///
/// Bounded three ways: by age (`maxDisconnectionDuration`, as Node), and, beyond Node, by the
/// encoded bytes of the events kept and by the number of sessions kept. Past a bound the
/// oldest go first; a client whose offset or session is gone connects as a new socket, as in
/// Node when its offset is older than the window.
struct RecoveryStore {
    struct StoredPacket {
        let sequence: UInt64
        let rooms: Set<Room>
        let except: Set<Room>
        /// The event's data array, its offset last.
        let data: [SocketIOValue]
        let emittedAt: Int64
        var bytes: Int
    }

    private struct StoredSession {
        let session: PersistedSession
        let disconnectedAt: Int64
        let bytes: Int
    }

    let settings: ConnectionStateRecovery
    /// Starts every offset of this store, so that an offset of another server (or of an
    /// earlier run of this one), or a string argument that merely looks like a number, is
    /// never taken for one of ours.
    let offsetPrefix: String
    private var window: Int64 { Int64(self.settings.maxDisconnectionDuration / .milliseconds(1)) }

    /// Oldest first; `packets[head...]` are live, the slots before `head` are spent (compacted
    /// once they are the larger part, so appending and expiring are amortised O(1)).
    private var packets: [StoredPacket] = []
    private var head = 0
    private var nextSequence: UInt64 = 1
    /// The encoded bytes of the live packets.
    private(set) var packetBytes = 0
    /// The sequences of the live packets sent to everyone, and of those sent to each room, in
    /// order: a restore looks at the events that could reach the session's few rooms, not at
    /// every event kept. Without them, the `welcome` each of 5,000 sockets got in its own room
    /// made each of their restores scan 5,000 events (found by `socketio-bench reconnect`).
    private var toEveryone = SequenceList()
    private var toRoom: [Room: SequenceList] = [:]

    private var sessions: [String: StoredSession] = [:]
    /// Pids in the order their sessions were kept; entries whose session is gone or newer are
    /// skipped when met (a session kept twice appears twice).
    private var sessionOrder: [(pid: String, at: Int64)] = []
    private var sessionOrderHead = 0
    /// An estimate of what the kept sessions hold (ids, rooms, data as encoded), for the bench.
    private(set) var sessionBytes = 0

    init(settings: ConnectionStateRecovery, offsetPrefix: String) {
        self.settings = settings
        self.offsetPrefix = offsetPrefix
    }

    var packetCount: Int { self.packets.count - self.head }
    var sessionCount: Int { self.sessions.count }
    var isEmpty: Bool { self.packetCount == 0 && self.sessions.isEmpty }

    // MARK: - Offsets

    /// The offset the next stored event gets.
    func offset(of sequence: UInt64) -> String { self.offsetPrefix + String(sequence, radix: 36) }

    func sequence(of offset: String) -> UInt64? {
        guard offset.hasPrefix(self.offsetPrefix), offset.utf8.count <= self.offsetPrefix.utf8.count + 13 else { return nil }
        return UInt64(offset.dropFirst(self.offsetPrefix.count), radix: 36)
    }

    /// Takes the next sequence number, for the event about to be stored with ``append(_:)``.
    mutating func takeSequence() -> UInt64 {
        defer { self.nextSequence += 1 }
        return self.nextSequence
    }

    // MARK: - Events

    /// Keeps an event (its data array already ending with its offset), then drops what is
    /// past the window or the byte bound.
    mutating func append(_ packet: StoredPacket, now: Int64) {
        self.packets.append(packet)
        self.packetBytes += packet.bytes
        if packet.rooms.isEmpty {
            self.toEveryone.append(packet.sequence)
        } else {
            for room in packet.rooms { self.toRoom[room, default: SequenceList()].append(packet.sequence) }
        }
        self.expirePackets(now: now)
    }

    /// The events after `sequence` that a socket in `rooms` would have received, in order.
    func packets(after sequence: UInt64, reaching rooms: Set<Room>) -> [[SocketIOValue]] {
        guard let first = self.packets[self.head...].first?.sequence, sequence + 1 >= first else { return [] }
        // The candidates: sent to everyone, or to one of the rooms; a packet sent to two of
        // them is a candidate twice.
        var candidates = self.toEveryone.elements(after: sequence)
        for room in rooms {
            if let list = self.toRoom[room] { candidates += list.elements(after: sequence) }
        }
        candidates.sort()
        var missed: [[SocketIOValue]] = []
        var previous: UInt64 = 0
        for candidate in candidates where candidate != previous {
            previous = candidate
            let packet = self.packets[self.head + Int(candidate - first)]
            if Self.reaches(packet, rooms: rooms) { missed.append(packet.data) }
        }
        return missed
    }

    /// Node's `shouldIncludePacket`: the event went to one of the rooms (or to everyone) and
    /// none of the rooms was excluded.
    private static func reaches(_ packet: StoredPacket, rooms: Set<Room>) -> Bool {
        (packet.rooms.isEmpty || !packet.rooms.isDisjoint(with: rooms)) && packet.except.isDisjoint(with: rooms)
    }

    /// Whether the events after `sequence` are all still here: the offset is one this store
    /// gave, not in the future, and nothing after it has been dropped.
    func knows(_ sequence: UInt64) -> Bool {
        guard sequence < self.nextSequence else { return false }
        let first = self.packets[self.head...].first?.sequence ?? self.nextSequence
        return sequence + 1 >= first
    }

    private mutating func expirePackets(now: Int64) {
        let threshold = now - self.window
        while self.head < self.packets.count,
            self.packets[self.head].emittedAt < threshold || self.packetBytes > self.settings.maxStoredBytes
        {
            let expired = self.packets[self.head]
            self.packetBytes -= expired.bytes
            if expired.rooms.isEmpty {
                self.toEveryone.removeFirst()
            } else {
                for room in expired.rooms {
                    self.toRoom[room]?.removeFirst()
                    if self.toRoom[room]?.isEmpty == true { self.toRoom[room] = nil }
                }
            }
            self.head += 1
        }
        if self.head > 64, self.head * 2 > self.packets.count {
            self.packets.removeFirst(self.head)
            self.head = 0
        }
        if self.head == self.packets.count, self.head > 0 {
            self.packets = []
            self.head = 0
        }
    }

    // MARK: - Sessions

    /// Keeps a session (replacing one with the same pid), then drops the oldest past the bound.
    mutating func persist(_ session: PersistedSession, now: Int64) {
        let bytes = Self.estimatedBytes(of: session)
        if let old = self.sessions.updateValue(StoredSession(session: session, disconnectedAt: now, bytes: bytes), forKey: session.pid) {
            self.sessionBytes -= old.bytes
        }
        self.sessionBytes += bytes
        self.sessionOrder.append((session.pid, now))
        while self.sessions.count > self.settings.maxSessions, let oldest = self.nextInOrder() {
            self.removeSession(oldest)
        }
        self.compactSessionOrder()
    }

    /// Takes the session `pid` back with the events after `offset` that reach its rooms; `nil`
    /// (and the session stays) when the offset is not one of ours or events after it are
    /// gone; `nil` when the session is missing or expired.
    ///
    /// The session is removed when found, unlike Node's in-memory adapter (which leaves it
    /// until it expires): two clients presenting the same pid must not become two sockets with
    /// one id. Node's Redis Streams adapter takes it with GETDEL, the same way.
    mutating func restore(pid: String, offset: String, now: Int64) -> RecoveredSession? {
        guard let stored = self.sessions[pid] else { return nil }
        guard stored.disconnectedAt + self.window >= now else {
            self.removeSession(pid)
            return nil
        }
        guard let sequence = self.sequence(of: offset), self.knows(sequence) else { return nil }
        self.removeSession(pid)
        return RecoveredSession(session: stored.session, missedPackets: self.packets(after: sequence, reaching: stored.session.rooms))
    }

    /// Drops expired sessions and events (Node sweeps once a minute). Returns whether anything
    /// is left to sweep later.
    mutating func sweep(now: Int64) -> Bool {
        let threshold = now - self.window
        while self.sessionOrderHead < self.sessionOrder.count {
            let (pid, at) = self.sessionOrder[self.sessionOrderHead]
            guard at < threshold else { break }
            self.sessionOrderHead += 1
            if let stored = self.sessions[pid], stored.disconnectedAt == at { self.removeSession(pid) }
        }
        self.compactSessionOrder()
        self.expirePackets(now: now)
        return !self.isEmpty
    }

    private mutating func removeSession(_ pid: String) {
        if let old = self.sessions.removeValue(forKey: pid) { self.sessionBytes -= old.bytes }
    }

    /// The oldest pid in order whose entry is current.
    private mutating func nextInOrder() -> String? {
        while self.sessionOrderHead < self.sessionOrder.count {
            let (pid, at) = self.sessionOrder[self.sessionOrderHead]
            self.sessionOrderHead += 1
            if let stored = self.sessions[pid], stored.disconnectedAt == at { return pid }
        }
        return nil
    }

    private mutating func compactSessionOrder() {
        if self.sessionOrderHead == self.sessionOrder.count {
            self.sessionOrder = []
            self.sessionOrderHead = 0
        } else if self.sessionOrderHead > 64, self.sessionOrderHead * 2 > self.sessionOrder.count {
            self.sessionOrder.removeFirst(self.sessionOrderHead)
            self.sessionOrderHead = 0
        }
    }

    private static func estimatedBytes(of session: PersistedSession) -> Int {
        var bytes = session.id.utf8.count + session.pid.utf8.count
        for room in session.rooms { bytes += room.utf8.count }
        // The data as JSON, its binary included.
        var out = ByteBuffer()
        var attachments: [ByteBuffer] = []
        JSONWriter.write(session.data, into: &out, attachments: &attachments)
        return bytes + out.readableBytes + attachments.reduce(0) { $0 + $1.readableBytes }
    }
}

/// Sequence numbers in ascending order, appended at the end and removed from the front
/// (amortised O(1)), found by binary search.
struct SequenceList {
    private var items: [UInt64] = []
    private var head = 0

    var isEmpty: Bool { self.head == self.items.count }

    mutating func append(_ sequence: UInt64) { self.items.append(sequence) }

    mutating func removeFirst() {
        guard self.head < self.items.count else { return }
        self.head += 1
        if self.head == self.items.count {
            self.items = []
            self.head = 0
        } else if self.head > 32, self.head * 2 > self.items.count {
            self.items.removeFirst(self.head)
            self.head = 0
        }
    }

    /// The sequences greater than `sequence`.
    func elements(after sequence: UInt64) -> [UInt64] {
        var low = self.head
        var high = self.items.count
        while low < high {
            let middle = (low + high) / 2
            if self.items[middle] <= sequence { low = middle + 1 } else { high = middle }
        }
        return Array(self.items[low...])
    }
}
