import NIOCore

/// Local deliveries that wait for the stream id of their `XADD`, handed out in the order they
/// were queued, whatever order the ids (or failures) come back in.
///
/// With connection state recovery on, Node's `ClusterAdapter.broadcast` awaits
/// `publishAndReturnOffset` (the `XADD`) and only then delivers locally, with the entry's id
/// appended as the offset (`addOffsetIfNecessary`); joins, leaves and disconnects await their
/// `XADD` too. So a broadcast reaches this server's clients in the order it was made, after
/// what was queued before it. This is that queue, as a plain state machine: the shell
/// (``StreamPublisher``) carries out its answers on one event loop, tests drive it with a
/// manual clock.
///
/// - A delivery whose `XADD` fails, or whose answer does not come within `timeout`, goes out
///   without an offset in its turn (Node logs the error and delivers without one).
/// - At most `maxPending` wait; past that ``enqueue(_:now:)`` answers `.full` and the caller
///   delivers at once, out of turn: Redis is not answering, and memory must not grow.
struct OffsetSequence<Clock: _Concurrency.Clock, Delivery> where Clock.Duration == Duration {
    /// A delivery whose turn came, with its offset (`nil` when its `XADD` failed or timed out).
    struct Ready {
        var delivery: Delivery
        var offset: String?
    }

    private struct Item {
        var deadline: Clock.Instant
        /// `nil` while waiting; `.some(nil)` failed; `.some(id)` answered.
        var outcome: String??
        var delivery: Delivery
    }

    /// What the caller does after ``enqueue(_:now:)``.
    enum Enqueued: Equatable {
        /// Waiting as ticket `ticket`; send the `XADD`, and arm the timer for `armTimer` if set.
        case queued(ticket: UInt64, armTimer: Clock.Instant?)
        /// Too many wait: deliver now, without an offset.
        case full
    }

    let timeout: Duration
    let maxPending: Int
    private var items = CircularBuffer<Item>()
    /// The ticket of `items.first`.
    private var firstTicket: UInt64 = 0
    private var timerArmed = false

    init(timeout: Duration, maxPending: Int) {
        self.timeout = timeout
        self.maxPending = max(1, maxPending)
    }

    /// How many deliveries wait.
    var count: Int { self.items.count }

    /// Queues a delivery whose `XADD` is about to be sent.
    mutating func enqueue(_ delivery: Delivery, now: Clock.Instant) -> Enqueued {
        guard self.items.count < self.maxPending else { return .full }
        let deadline = now.advanced(by: self.timeout)
        self.items.append(Item(deadline: deadline, outcome: nil, delivery: delivery))
        let ticket = self.firstTicket + UInt64(self.items.count - 1)
        if self.timerArmed { return .queued(ticket: ticket, armTimer: nil) }
        self.timerArmed = true
        return .queued(ticket: ticket, armTimer: deadline)
    }

    /// The `XADD` of `ticket` answered with `offset`, or failed (`nil`): the deliveries whose
    /// turn has come, in order. An answer after the ticket timed out is ignored.
    mutating func complete(_ ticket: UInt64, offset: String?) -> [Ready] {
        guard ticket >= self.firstTicket, ticket - self.firstTicket < UInt64(self.items.count) else { return [] }
        self.items[self.items.index(self.items.startIndex, offsetBy: Int(ticket - self.firstTicket))].outcome = .some(offset)
        return self.drain()
    }

    /// The timer fired: deliveries past their deadline count as failed. Returns those whose
    /// turn came, and when to fire again (`nil`: nothing waits, the timer is off).
    mutating func timerFired(now: Clock.Instant) -> (ready: [Ready], rearm: Clock.Instant?) {
        var index = self.items.startIndex
        while index != self.items.endIndex, self.items[index].deadline <= now {
            if self.items[index].outcome == nil { self.items[index].outcome = .some(nil) }
            index = self.items.index(after: index)
        }
        let ready = self.drain()
        let rearm = self.items.first?.deadline
        self.timerArmed = rearm != nil
        return (ready, rearm)
    }

    /// Everything fails now (the service stops): every waiting delivery, in order, without offset.
    mutating func failAll() -> [Ready] {
        for index in self.items.indices where self.items[index].outcome == nil { self.items[index].outcome = .some(nil) }
        return self.drain()
    }

    private mutating func drain() -> [Ready] {
        var ready: [Ready] = []
        while let first = self.items.first, let outcome = first.outcome {
            ready.append(Ready(delivery: first.delivery, offset: outcome))
            self.items.removeFirst()
            self.firstTicket += 1
        }
        return ready
    }
}
