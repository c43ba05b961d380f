import NIOCore
import SocketIO
import SocketIOProtocol
import Synchronization
import TestSupport
import Testing

@testable import SocketIORedisAdapter

/// The queue of local deliveries waiting for their XADD ids, on a manual clock.
@Suite("OffsetSequence: deliveries in order, whatever order the ids come in")
struct OffsetSequenceTests {
    typealias Sequence = OffsetSequence<ManualClock, Int>

    static func ready(_ items: [Sequence.Ready]) -> [String] {
        items.map { "\($0.delivery):\($0.offset ?? "-")" }
    }

    @Test func deliveriesWaitForTheOnesBeforeThem() {
        let clock = ManualClock()
        var sequence = Sequence(timeout: .seconds(5), maxPending: 10)
        #expect(sequence.enqueue(1, now: clock.now) == .queued(ticket: 0, armTimer: clock.now.advanced(by: .seconds(5))))
        #expect(sequence.enqueue(2, now: clock.now) == .queued(ticket: 1, armTimer: nil))
        #expect(sequence.enqueue(3, now: clock.now) == .queued(ticket: 2, armTimer: nil))
        // The second answers first: it waits for the first.
        #expect(Self.ready(sequence.complete(1, offset: "1-2")).isEmpty)
        #expect(Self.ready(sequence.complete(0, offset: "1-1")) == ["1:1-1", "2:1-2"])
        // A failed XADD delivers in its turn, without an offset.
        #expect(Self.ready(sequence.complete(2, offset: nil)) == ["3:-"])
        #expect(sequence.count == 0)
        // A late or unknown answer changes nothing.
        #expect(sequence.complete(0, offset: "9-9").isEmpty)
        #expect(sequence.complete(42, offset: "9-9").isEmpty)
    }

    @Test func unansweredXADDsTimeOutInOrderAndTheTimerFollowsTheHead() {
        let clock = ManualClock()
        var sequence = Sequence(timeout: .seconds(5), maxPending: 10)
        _ = sequence.enqueue(1, now: clock.now)
        clock.advance(by: .seconds(2))
        _ = sequence.enqueue(2, now: clock.now)
        clock.advance(by: .seconds(3))
        // The first is past its deadline, the second is not: the timer moves to the second's.
        let (ready, rearm) = sequence.timerFired(now: clock.now)
        #expect(Self.ready(ready) == ["1:-"])
        #expect(rearm == clock.now.advanced(by: .seconds(2)))
        // An answer after the timeout is ignored; the second answers in time.
        #expect(sequence.complete(0, offset: "1-1").isEmpty)
        #expect(Self.ready(sequence.complete(1, offset: "1-2")) == ["2:1-2"])
        // Nothing waits: the timer stops, and the next delivery arms it again.
        clock.advance(by: .seconds(2))
        #expect(sequence.timerFired(now: clock.now).rearm == nil)
        #expect(sequence.enqueue(3, now: clock.now) == .queued(ticket: 2, armTimer: clock.now.advanced(by: .seconds(5))))
    }

    @Test func pastItsBoundTheQueueRefusesAndShutdownDeliversTheRest() {
        let clock = ManualClock()
        var sequence = Sequence(timeout: .seconds(5), maxPending: 2)
        _ = sequence.enqueue(1, now: clock.now)
        _ = sequence.enqueue(2, now: clock.now)
        #expect(sequence.enqueue(3, now: clock.now) == .full)
        _ = sequence.complete(1, offset: "1-2")
        #expect(Self.ready(sequence.failAll()) == ["1:-", "2:1-2"])
        #expect(sequence.count == 0)
    }
}

/// Where the stream reader starts on a new connection.
@Suite("StreamReader: where a connection starts reading")
struct StreamReaderStartTests {
    @Test func firstAfterTheEndThenAfterTheLastReadUnlessTheStreamWasMadeAgain() {
        let (early, late) = (StreamID("5-0")!, StreamID("9-3")!)
        // First connection: after the stream's end, or from the start of an empty one.
        #expect(StreamReader.start(after: nil, tail: late) == late)
        #expect(StreamReader.start(after: nil, tail: nil) == .zero)
        // A reconnect: after the last entry read, however far the stream went meanwhile.
        #expect(StreamReader.start(after: early, tail: late) == early)
        #expect(StreamReader.start(after: late, tail: late) == late)
        // The stream is gone, or ends before what we read: Redis lost it; all of it is new.
        #expect(StreamReader.start(after: late, tail: nil) == .zero)
        #expect(StreamReader.start(after: late, tail: early) == .zero)
    }
}

/// The sockets being recovered: what reaches their rooms between the restore and the join.
@Suite("RecoveringSockets: each event once, in order, across a restore and a join")
struct RecoveringSocketsTests {
    static func event(_ n: Int, _ id: String) -> (StreamID, [SocketIOValue]) {
        (StreamID(id)!, ["news", .int(n), .string(id)])
    }

    @Test func whatArrivesBeforeTheJoinIsGivenAtTheJoinInStreamOrderOnce() {
        let now = ContinuousClock.now
        var state = RecoveringSockets(maxBytes: 1 << 20)
        #expect(state.isEmpty)
        state.start("s1", rooms: ["room1"], now: now)
        // Out of stream order (the reader and this server's own XADDs race), twice for one,
        // one for another room, one excepting the room.
        for (n, id) in [(3, "1-3"), (2, "1-2"), (3, "1-3"), (4, "1-4")] {
            let (offset, data) = Self.event(n, id)
            #expect(state.deliver(data, offset: offset, options: BroadcastOptions(rooms: ["room1"])).isEmpty)
        }
        let (other, otherData) = Self.event(9, "1-9")
        _ = state.deliver(otherData, offset: other, options: BroadcastOptions(rooms: ["room2"]))
        _ = state.deliver(otherData, offset: other, options: BroadcastOptions(except: ["room1"]))
        // The restore replayed up to 1-2: the join gives 3 and 4, once each, in order.
        let given = state.join("s1", after: StreamID("1-2"), now: now)
        #expect(given.map { $0[1] } == [3, 4])
        // Later deliveries of what it was given are skipped; newer ones are not.
        #expect(state.skipsAsReplayed("s1", offset: StreamID("1-4")!))
        #expect(state.skipsAsReplayed("s1", offset: StreamID("1-1")!))
        #expect(!state.skipsAsReplayed("s1", offset: StreamID("1-5")!))
        #expect(!state.skipsAsReplayed("s2", offset: StreamID("1-1")!))
        for targets: Set<SocketID> in [["s1", "s2"], ["s1", "s2", "s3", "s4"]] {
            var kept = targets
            state.removeReplayed(from: &kept, offset: StreamID("1-4")!)
            #expect(kept == targets.subtracting(["s1"]))
            kept = targets
            state.removeReplayed(from: &kept, offset: StreamID("1-5")!)
            #expect(kept == targets)
        }
        // A second join finds nothing.
        #expect(state.join("s1", after: nil, now: now).isEmpty)
    }

    @Test func anEntryTheRestoreDidNotReadAndThatWasNotKeptStillReachesTheSocketLate() {
        let now = ContinuousClock.now
        var state = RecoveringSockets(maxBytes: 1 << 20)
        state.start("s1", rooms: [], now: now)
        state.restored("s1", through: StreamID("1-2")!)
        // This server's own broadcast comes first; another server's earlier one (1-5) is still
        // on its way through the reader when the socket joins.
        let (own, ownData) = Self.event(9, "1-9")
        _ = state.deliver(ownData, offset: own, options: BroadcastOptions())
        #expect(state.join("s1", after: StreamID("1-1"), now: now).map { $0[1] } == [9])
        #expect(!state.skipsAsReplayed("s1", offset: StreamID("1-5")!))  // late, not lost
        #expect(state.skipsAsReplayed("s1", offset: StreamID("1-9")!))
        #expect(state.skipsAsReplayed("s1", offset: StreamID("1-2")!))
    }

    @Test func aCancelledOrAbandonedRestoreKeepsNothingAndTheBoundHolds() {
        let now = ContinuousClock.now
        var state = RecoveringSockets(maxBytes: 100)
        state.start("gone", rooms: [], now: now)
        state.cancel("gone")
        #expect(state.isEmpty)
        state.start("slow", rooms: [], now: now)
        let (offset, data) = Self.event(1, "2-0")
        let big: [SocketIOValue] = ["news", .string(String(repeating: "x", count: 200)), "2-1"]
        #expect(state.deliver(data, offset: offset, options: BroadcastOptions()).isEmpty)
        #expect(state.deliver(big, offset: StreamID("2-1")!, options: BroadcastOptions()) == ["slow"])
        // A restore whose socket never joins is forgotten after a minute; a join's skipping
        // after half a minute.
        _ = state.join("slow", after: nil, now: now)
        state.start("never", rooms: [], now: now)
        state.prune(now: now.advanced(by: .seconds(61)))
        #expect(state.isEmpty)
    }
}

/// What the stream reader keeps decoded for restores.
@Suite("StreamCache: restores scan what the reader read")
struct StreamCacheTests {
    static func broadcast(
        _ n: Int,
        rooms: Set<Room> = [],
        except: Set<Room> = [],
        namespace: String = "/",
        replayable: Bool = true
    ) -> StreamCache.Payload {
        .broadcast(namespace: namespace, data: ["news", .int(n)], options: BroadcastOptions(rooms: rooms, except: except), replayable: replayable)
    }

    @Test func afterTheOffsetWhatReachesTheSessionInOrderWithOffsets() {
        var cache = StreamCache(maxEntries: 100, maxBytes: 1 << 20)
        let payloads: [StreamCache.Payload] = [
            Self.broadcast(0), Self.broadcast(1), Self.broadcast(2, rooms: ["room1"]), .other, Self.broadcast(3, rooms: ["room2"]),
            Self.broadcast(4, except: ["room1"]), Self.broadcast(5, namespace: "/admin"), Self.broadcast(6, replayable: false),
            Self.broadcast(7, rooms: ["s"]), .tooLarge(namespace: "/admin"),
        ]
        for (index, payload) in payloads.enumerated() { cache.append(StreamID(milliseconds: 10, sequence: UInt64(index)), payload, bytes: 10) }
        let lookup = cache.missed(after: StreamID("10-0")!, namespace: "/", rooms: ["s", "room1"])
        #expect(lookup == .found(missed: [["news", 1, "10-1"], ["news", 2, "10-2"], ["news", 7, "10-8"]], bytes: 30, last: StreamID("10-9")!))
        // An offset past everything kept: nothing missed, read on from it.
        #expect(cache.missed(after: StreamID("11-0")!, namespace: "/", rooms: []) == .found(missed: [], bytes: 0, last: StreamID("11-0")!))
        // Before the first entry kept: Redis.
        #expect(cache.missed(after: StreamID("9-0")!, namespace: "/", rooms: []) == .notCached)
        // A dropped entry that may be the namespace's: the restore cannot be complete.
        cache.append(StreamID("12-0")!, .tooLarge(namespace: nil), bytes: 64)
        #expect(cache.missed(after: StreamID("10-0")!, namespace: "/", rooms: []) == .tooLarge(StreamID("12-0")!))
    }

    @Test func boundedInEntriesAndBytesOldestFirstAndResetWhenOutOfOrder() {
        var cache = StreamCache(maxEntries: 3, maxBytes: 100)
        for index in 0..<5 { cache.append(StreamID(milliseconds: 1, sequence: UInt64(index)), .other, bytes: 10) }
        #expect(cache.count == 3)
        #expect(cache.missed(after: StreamID("1-1")!, namespace: "/", rooms: []) == .notCached)
        cache.append(StreamID("2-0")!, .other, bytes: 95)
        #expect(cache.count == 1 && cache.bytes == 95)
        // Ids that go back (a stream made again): what was kept no longer applies.
        cache.append(StreamID("1-0")!, .other, bytes: 1)
        #expect(cache.count == 1 && cache.bytes == 1)
    }
}

/// The reader's dispatch feeds the restores in progress and the cache.
@Suite("StreamsNode.dispatch: restores in progress get what the reader reads")
struct StreamsDispatchTests {
    @Test func anotherServersEntriesReachARestoreInProgressOursAreOnlyCached() throws {
        let cluster = RedisStreamsAdapter(url: RedisURL(host: "127.0.0.1", port: 1))
        let io = SocketIOServer(configuration: SocketIOConfiguration(adapter: cluster, connectionStateRecovery: ConnectionStateRecovery()))
        let adapter = try #require(io.sockets.adapter as? RedisStreamsNamespaceAdapter)
        adapter.recovering.withLock { $0.start("s1", rooms: ["room1"], now: .now) }
        func entry(_ id: String, uid: String, room: String, _ n: Int) -> StreamEntry {
            let data = #"{"packet":{"type":2,"data":["news",\#(n)]},"opts":{"rooms":["\#(room)"],"except":[],"flags":{}}}"#
            return StreamEntry(
                id: StreamID(id)!,
                fields: [
                    "uid": ByteBuffer(string: uid), "nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "3"), "data": ByteBuffer(string: data),
                ]
            )
        }
        // Ours (delivered here when its XADD answered: the restore reads it from Redis), another
        // server's, and one for a room the session is not in.
        let own = cluster.node.dispatch(entry("5-1", uid: cluster.uid, room: "room1", 1))
        _ = cluster.node.dispatch(entry("5-2", uid: "other", room: "room1", 2))
        _ = cluster.node.dispatch(entry("5-3", uid: "other", room: "room2", 3))
        #expect(own == .broadcast(namespace: "/", data: ["news", 1], options: BroadcastOptions(rooms: ["room1"]), replayable: true))
        #expect(adapter.joinRecovered("s1", rooms: ["s1", "room1"], after: "5-0") == [["news", 2, "5-2"]])
    }
}

extension StreamCacheTests {
    /// The room index gives what a scan of every entry gives, through evictions.
    @Test func theRoomIndexAgreesWithAScanOfEveryEntry() {
        var generator = SystemRandomNumberGenerator()
        let rooms: [Room] = ["a", "b", "c", "s1", "s2"]
        var cache = StreamCache(maxEntries: 200, maxBytes: 1 << 20)
        var all: [(StreamID, StreamCache.Payload)] = []
        for index in 0..<1_000 {
            let id = StreamID(milliseconds: 7, sequence: UInt64(index))
            let payload: StreamCache.Payload
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: payload = .other
            case 1: payload = .tooLarge(namespace: "/elsewhere")
            default:
                let to = Set(rooms.filter { _ in Bool.random(using: &generator) }.prefix(Int.random(in: 0...2, using: &generator)))
                let except = Set(rooms.filter { _ in Int.random(in: 0..<5, using: &generator) == 0 })
                payload = .broadcast(
                    namespace: Bool.random(using: &generator) ? "/" : "/other",
                    data: ["e", .int(index)],
                    options: BroadcastOptions(rooms: to, except: except),
                    replayable: Int.random(in: 0..<8, using: &generator) != 0
                )
            }
            cache.append(id, payload, bytes: 1)
            all.append((id, payload))
            guard index % 50 == 49 else { continue }
            let kept = all.suffix(200)
            for _ in 0..<5 {
                let offset = kept[kept.startIndex + Int.random(in: 0..<kept.count, using: &generator)].0
                let session = Set(rooms.filter { _ in Bool.random(using: &generator) })
                var expected: [[SocketIOValue]] = []
                for (id, payload) in kept where id > offset {
                    if case .broadcast("/", let data, let options, true) = payload, StreamsWire.reaches(options, sessionRooms: session) {
                        expected.append(data + [.string(id.description)])
                    }
                }
                let lookup = cache.missed(after: offset, namespace: "/", rooms: session)
                #expect(lookup == .found(missed: expected, bytes: expected.count, last: kept.last!.0))
            }
        }
    }
}
