import EngineIO
import Logging
import NIOCore

/// Writes a node's messages to the stream (`XADD`), and, when a local delivery needs the
/// entry's id as its offset, runs the deliveries in the order they were asked for once their
/// ids are known (``OffsetSequence``, owned by one event loop: callers hop to it, so the order
/// of one thread's calls is kept).
final class StreamPublisher: Sendable {
    /// A local delivery, given its offset (`nil` when the `XADD` failed or timed out).
    typealias Delivery = @Sendable (_ offset: String?) -> Void

    private let redis: RedisPubSubClient
    private let eventLoop: any EventLoop
    private let sequence: NIOLoopBoundBox<OffsetSequence<ContinuousClock, Delivery>>
    private let logger: Logger
    private let fullLog = RateLimitedLog(interval: .seconds(10))

    init(redis: RedisPubSubClient, eventLoop: any EventLoop, timeout: Duration, maxPending: Int, logger: Logger) {
        self.redis = redis
        self.eventLoop = eventLoop
        self.sequence = .makeBoxSendingValue(OffsetSequence(timeout: timeout, maxPending: maxPending), eventLoop: eventLoop)
        self.logger = logger
    }

    /// Appends an entry without waiting; a failure is logged (Node: `debug`).
    func add(_ command: [RESPArgument]) {
        self.redis.sendFuture(command, on: self.eventLoop).whenFailure { [logger] error in
            logger.debug("XADD failed", metadata: ["error": "\(error)"])
        }
    }

    /// Appends an entry, then runs `deliver` with its id, after every delivery asked for before.
    func add(_ command: [RESPArgument], then deliver: @escaping Delivery) {
        self.eventLoop.execute { self.enqueue(command, deliver) }
    }

    /// How many deliveries wait for their `XADD` (for tests).
    func pendingCount() async -> Int {
        (try? await self.eventLoop.submit { self.sequence.value.count }.get()) ?? 0
    }

    /// Delivers everything still waiting, without offsets (the service stops).
    func failAll() {
        self.eventLoop.execute {
            Self.run(self.sequence.value.failAll())
        }
    }

    private func enqueue(_ command: [RESPArgument], _ deliver: @escaping Delivery) {
        switch self.sequence.value.enqueue(deliver, now: .now) {
        case .full:
            if self.fullLog.allow() {
                self.logger.warning(
                    "too many local deliveries wait for Redis to answer XADD; delivering without offsets",
                    metadata: ["waiting": "\(self.sequence.value.count)"]
                )
            }
            self.add(command)
            deliver(nil)
        case .queued(let ticket, let armTimer):
            if let armTimer { self.arm(armTimer) }
            self.redis.sendFuture(command, on: self.eventLoop).hop(to: self.eventLoop).whenComplete { result in
                let offset = (try? result.get()).flatMap { try? RedisStreamCommand.addedID($0) }
                if offset == nil {
                    self.logger.debug("XADD failed; delivering without an offset", metadata: ["error": "\(result)"])
                }
                Self.run(self.sequence.value.complete(ticket, offset: offset?.description))
            }
        }
    }

    private func arm(_ deadline: ContinuousClock.Instant) {
        let delay = ContinuousClock.now.duration(to: deadline)
        self.eventLoop.scheduleTask(in: TimeAmount(max(delay, .zero))) {
            let (ready, rearm) = self.sequence.value.timerFired(now: .now)
            Self.run(ready)
            if let rearm { self.arm(rearm) }
        }
    }

    private static func run(_ ready: [OffsetSequence<ContinuousClock, Delivery>.Ready]) {
        for item in ready { item.delivery(item.offset) }
    }
}
