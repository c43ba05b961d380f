package import NIOCore
import Synchronization

/// Lets a log line through at most once per interval: a flood of the same failure (accept
/// errors, refused connections) must not become a flood of log lines.
package final class RateLimitedLog: Sendable {
    private let interval: TimeAmount
    private let next = Atomic<Int64>(0)

    package init(interval: TimeAmount) {
        self.interval = interval
    }

    package func allow(now: NIODeadline = .now()) -> Bool {
        let current = self.next.load(ordering: .relaxed)
        let nowNanos = Int64(now.uptimeNanoseconds)
        guard nowNanos >= current else { return false }
        return self.next.compareExchange(expected: current, desired: nowNanos + self.interval.nanoseconds, ordering: .relaxed).exchanged
    }
}
