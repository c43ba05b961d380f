public import NIOCore

/// The clock of an event loop, as a Swift `Clock`: its instants are the loop's own `now`, so
/// a deadline computed from it is exactly the `NIODeadline` the loop schedules with (an
/// `EmbeddedEventLoop` in a test moves it with `advanceTime`).
///
/// The engine's state machines are generic over a clock; the server runs them on this one,
/// and their tests on a manual clock. `sleep(until:)` is a task scheduled on the loop, and it
/// honours cancellation.
public struct EventLoopClock: Clock {
    /// A point on the loop's clock: nanoseconds of `NIODeadline.uptimeNanoseconds`.
    public struct Instant: InstantProtocol, CustomStringConvertible {
        /// The loop's deadline for this instant.
        public let deadline: NIODeadline

        /// An instant at a loop deadline.
        public init(_ deadline: NIODeadline) {
            self.deadline = deadline
        }

        /// This instant moved by `duration`, saturating at the ends of the clock.
        public func advanced(by duration: Duration) -> Instant {
            Instant(self.deadline + TimeAmount(duration))
        }

        /// The duration from this instant to `other`.
        public func duration(to other: Instant) -> Duration {
            .nanoseconds(Int64(other.deadline.uptimeNanoseconds) - Int64(self.deadline.uptimeNanoseconds))
        }

        /// Whether `lhs` comes before `rhs`.
        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.deadline < rhs.deadline
        }

        /// The instant in nanoseconds of uptime, for logs.
        public var description: String { "\(self.deadline.uptimeNanoseconds)ns" }
    }

    /// The loop whose time this is.
    public let eventLoop: any EventLoop

    /// The clock of `eventLoop`.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// The loop's current time.
    public var now: Instant { Instant(self.eventLoop.now) }

    /// One nanosecond: the loop schedules in nanoseconds.
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Suspends until `deadline` on the loop. Cancelling the task cancels the scheduled wake-up
    /// and throws `CancellationError` at once.
    /// - Parameters:
    ///   - deadline: when to resume.
    ///   - tolerance: ignored; the loop schedules exactly.
    /// - Throws: `CancellationError` when the task is cancelled first.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let scheduled = self.eventLoop.scheduleTask(deadline: deadline.deadline) {}
        try await withTaskCancellationHandler {
            try await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }
}
