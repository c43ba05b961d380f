import SocketIOProtocol
import Testing

@testable import SocketIO

/// The in-memory adapter's recovery state as a plain value: time is given in milliseconds.
@Suite("Recovery store")
struct RecoveryStoreTests {
    static let settings = ConnectionStateRecovery(maxDisconnectionDuration: .seconds(120), maxStoredBytes: 1_000, maxSessions: 3)

    func store(_ settings: ConnectionStateRecovery = Self.settings) -> RecoveryStore {
        RecoveryStore(settings: settings, offsetPrefix: "t-")
    }

    /// Keeps an event to `rooms` (everyone when empty), minus `except`; returns its offset.
    @discardableResult
    func keep(
        _ store: inout RecoveryStore,
        _ name: String,
        rooms: Set<Room> = [],
        except: Set<Room> = [],
        bytes: Int = 10,
        at now: Int64
    ) -> String {
        let sequence = store.takeSequence()
        let offset = store.offset(of: sequence)
        store.append(
            RecoveryStore.StoredPacket(
                sequence: sequence,
                rooms: rooms,
                except: except,
                data: [.string(name), .string(offset)],
                emittedAt: now,
                bytes: bytes
            ),
            now: now
        )
        return offset
    }

    func session(_ pid: String, rooms: Set<Room> = ["s1", "lobby"]) -> PersistedSession {
        PersistedSession(id: "s1", pid: pid, rooms: rooms, data: ["user": "ada"])
    }

    func names(_ recovered: RecoveredSession?) -> [String] {
        recovered?.missedPackets.compactMap { $0.first?.stringValue } ?? []
    }

    @Test("a session comes back with the events after its offset that reached its rooms, in order")
    func restoresMissedEventsByRoom() {
        var store = self.store()
        let seen = self.keep(&store, "before", at: 0)
        store.persist(self.session("p1"), now: 10)
        self.keep(&store, "all", at: 20)
        self.keep(&store, "lobby", rooms: ["lobby"], at: 30)
        self.keep(&store, "other-room", rooms: ["other"], at: 40)
        self.keep(&store, "all-but-lobby", except: ["lobby"], at: 50)
        self.keep(&store, "own-room", rooms: ["s1"], at: 60)
        let recovered = store.restore(pid: "p1", offset: seen, now: 70)
        #expect(recovered?.session == self.session("p1"))
        #expect(self.names(recovered) == ["all", "lobby", "own-room"])
        // Each replayed event ends with its offset, which the client keeps as its last.
        #expect(recovered?.missedPackets.first?.last == .string("t-2"))
    }

    @Test("a session is taken once: a second restore with the same pid finds nothing")
    func sessionIsTakenOnce() {
        var store = self.store()
        let offset = self.keep(&store, "e", at: 0)
        store.persist(self.session("p1"), now: 0)
        #expect(store.restore(pid: "p1", offset: offset, now: 1) != nil)
        #expect(store.restore(pid: "p1", offset: offset, now: 2) == nil)
        #expect(store.sessionCount == 0)
    }

    @Test("an expired session, an unknown pid or a foreign offset is not restored")
    func refusals() {
        var store = self.store()
        let offset = self.keep(&store, "e", at: 0)
        store.persist(self.session("p1"), now: 0)
        #expect(store.restore(pid: "nope", offset: offset, now: 1) == nil)
        #expect(store.restore(pid: "p1", offset: "x-1", now: 1) == nil)  // another server's
        #expect(store.restore(pid: "p1", offset: "t-zzzzzzz", now: 1) == nil)  // not given yet
        #expect(store.restore(pid: "p1", offset: "t-" + String(repeating: "9", count: 40), now: 1) == nil)
        #expect(store.restore(pid: "p1", offset: "", now: 1) == nil)
        // Still there after the refusals above; gone once past the window.
        #expect(store.restore(pid: "p1", offset: offset, now: 120_001) == nil)
        #expect(store.sessionCount == 0)
    }

    @Test("an offset whose following events were dropped is refused: the replay would have a hole")
    func droppedEventsRefuseRecovery() {
        var store = self.store()
        let old = self.keep(&store, "a", bytes: 400, at: 0)
        self.keep(&store, "b", bytes: 400, at: 1)
        store.persist(self.session("p1"), now: 2)
        // 400 + 400 + 400 > 1,000: "a" goes; "b" (right after the offset) stays.
        let newer = self.keep(&store, "c", bytes: 400, at: 3)
        #expect(store.packetCount == 2)
        #expect(store.packetBytes == 800)
        #expect(self.names(store.restore(pid: "p1", offset: old, now: 4)) == ["b", "c"])
        store.persist(self.session("p2"), now: 5)
        self.keep(&store, "d", bytes: 400, at: 6)  // drops "b": the events after `old` have a hole
        #expect(store.restore(pid: "p2", offset: old, now: 7) == nil)
        #expect(self.names(store.restore(pid: "p2", offset: newer, now: 8)) == ["d"])
    }

    @Test("events older than the window are dropped as new ones come, and by the sweep")
    func eventsExpire() {
        var store = self.store()
        self.keep(&store, "old", at: 0)
        self.keep(&store, "new", at: 100_000)
        #expect(store.packetCount == 2)
        self.keep(&store, "newer", at: 125_000)  // "old" is past 120 s
        #expect(store.packetCount == 2)
        #expect(store.sweep(now: 230_000) == true)  // "newer" is still in its window
        #expect(store.packetCount == 1)
        #expect(store.sweep(now: 300_000) == false)
        #expect(store.isEmpty)
    }

    @Test("sessions past the count bound go oldest first; the sweep drops expired ones")
    func sessionBounds() {
        var store = self.store()
        let offset = self.keep(&store, "e", at: 0)
        for (index, pid) in ["p1", "p2", "p3", "p4"].enumerated() {
            store.persist(self.session(pid), now: Int64(index))
        }
        #expect(store.sessionCount == 3)
        #expect(store.restore(pid: "p1", offset: offset, now: 5) == nil)  // evicted
        #expect(store.restore(pid: "p2", offset: offset, now: 5) != nil)
        // A session kept again is as young as its last keep.
        store.persist(self.session("p3"), now: 60_000)
        #expect(store.sweep(now: 120_004) == true)
        #expect(store.sessionCount == 1)  // p4 (kept at 3) expired; p3 (kept again) stays
        #expect(store.sessionBytes > 0)
        #expect(store.restore(pid: "p3", offset: offset, now: 120_005) != nil)
        #expect(store.sessionBytes == 0)
    }

    @Test("many events: expiring keeps the store compact and the lookups right")
    func compaction() {
        var store = self.store(ConnectionStateRecovery(maxDisconnectionDuration: .seconds(1), maxStoredBytes: 1 << 30))
        var offsets: [String] = []
        for index in 0..<10_000 {
            offsets.append(self.keep(&store, "e\(index)", at: Int64(index)))
        }
        #expect(store.packetCount == 1_001)  // the last second's
        store.persist(self.session("p1"), now: 9_999)
        #expect(self.names(store.restore(pid: "p1", offset: offsets[9_997], now: 9_999)) == ["e9998", "e9999"])
    }

    @Test("events to rooms, to sockets' own rooms and to everyone expire together and are found by room")
    func roomIndexesFollowExpiry() {
        var store = self.store(ConnectionStateRecovery(maxDisconnectionDuration: .seconds(1), maxStoredBytes: 1 << 30))
        var offsets: [String] = []
        for index in 0..<3_000 {
            // Each third event to everyone, to "lobby", or to one socket's own room.
            let rooms: Set<Room> = index % 3 == 0 ? [] : index % 3 == 1 ? ["lobby"] : ["s\(index)"]
            offsets.append(self.keep(&store, "e\(index)", rooms: rooms, at: Int64(index)))
        }
        store.persist(self.session("p1", rooms: ["s2996", "lobby"]), now: 2_999)
        // 1,001 events are left (e1999 ... e2999). After e2990: e2991 (everyone), e2992
        // (lobby), not e2993 (another socket's room), e2994, e2995, e2996 (its own room),
        // e2997, e2998, not e2999.
        #expect(store.packetCount == 1_001)
        #expect(
            self.names(store.restore(pid: "p1", offset: offsets[2_990], now: 2_999)) == [
                "e2991", "e2992", "e2994", "e2995", "e2996", "e2997", "e2998",
            ]
        )
        #expect(store.sweep(now: 10_000) == false)
        #expect(store.isEmpty)
    }
}
