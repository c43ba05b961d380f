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
