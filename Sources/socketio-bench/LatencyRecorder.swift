import Histogram
import Synchronization

/// Ack round trips of every connection, in one HdrHistogram (nanoseconds, 3 significant digits),
/// with the counts of echoes sent and answered.
final class LatencyRecorder: Sendable {
    private struct State {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var sent = 0
        var acked = 0
        /// Nothing is sent before every client has connected: echoes sent during the
        /// connection storm would time the storm, not the steady state.
        var started = false
        var stopped = false
        var deliveries = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var handshakes = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var connectFailures = 0
        var firstConnectFailure: String?
    }

    private let state = Mutex(State())

    /// Counts an echo about to be sent; `false` before the run began and once it has stopped
    /// (send nothing then).
    func sent() -> Bool {
        self.state.withLock { state in
            guard state.started, !state.stopped else { return false }
            state.sent += 1
            return true
        }
    }

    /// A broadcast delivery `nanoseconds` after it was sent.
    func delivered(nanoseconds: UInt64) {
        self.state.withLock { _ = $0.deliveries.record(nanoseconds) }
    }

    /// A connection's time from TCP connect to the CONNECT reply.
    func handshake(nanoseconds: UInt64) {
        self.state.withLock { _ = $0.handshakes.record(nanoseconds) }
    }

    /// A client that could not connect (refused, closed, or no CONNECT reply in time).
    func connectFailed(_ error: any Error) {
        self.state.withLock { state in
            state.connectFailures += 1
            if state.firstConnectFailure == nil { state.firstConnectFailure = "\(error)" }
        }
    }

    /// Clients that could not connect, and the first reason.
    var connectFailures: (count: Int, first: String?) {
        self.state.withLock { ($0.connectFailures, $0.firstConnectFailure) }
    }

    /// Deliveries: count and p50/p99/max in milliseconds.
    var deliveries: (count: UInt64, p50: Double, p99: Double, max: Double) {
        self.state.withLock { state in
            let h = state.deliveries
            return (h.totalCount, Double(h.valueAtPercentile(50)) / 1e6, Double(h.valueAtPercentile(99)) / 1e6, Double(h.max) / 1e6)
        }
    }

    /// Handshakes: p50/p99 in milliseconds.
    var handshakes: (p50: Double, p99: Double) {
        self.state.withLock { (Double($0.handshakes.valueAtPercentile(50)) / 1e6, Double($0.handshakes.valueAtPercentile(99)) / 1e6) }
    }

    /// Every client is connected: sending starts.
    func begin() { self.state.withLock { $0.started = true } }

    /// No more echoes: the answers of those in flight still count.
    func stop() { self.state.withLock { $0.stopped = true } }

    func record(nanoseconds: UInt64) {
        self.state.withLock { state in
            state.acked += 1
            _ = state.histogram.record(nanoseconds)
        }
    }

    struct Summary {
        var sent: Int
        var acked: Int
        var p50, p90, p99, max: Double  // milliseconds
    }

    var summary: Summary {
        self.state.withLock { state in
            let ms = { (value: UInt64) in Double(value) / 1_000_000 }
            return Summary(
                sent: state.sent,
                acked: state.acked,
                p50: ms(state.histogram.valueAtPercentile(50)),
                p90: ms(state.histogram.valueAtPercentile(90)),
                p99: ms(state.histogram.valueAtPercentile(99)),
                max: ms(state.histogram.max)
            )
        }
    }
}
