import CSystemMemory
import Synchronization

/// Hands freed heap back to the kernel after a wave of disconnects.
///
/// glibc keeps what connections freed in its per-thread malloc arenas, so a server that held
/// 10,000 connections kept most of their memory after they left (issue 6 measured RSS at about
/// twice the starting figure, for a bare SwiftNIO server too). Once the session count has fallen
/// to half its peak and by at least `minimumDrop`, and no session has closed for `settleTime`
/// (the wave is over), `malloc_trim(0)` runs once, off the event loops; the peak then starts
/// again from the current count. Elsewhere than glibc the trim does nothing.
package final class HeapReclaimer: Sendable {
    private struct State {
        var count = 0
        var peak = 0
        /// Bumped by every close, to tell when a wave has settled.
        var closes = 0
        var trimScheduled = false
    }

    private let state = Mutex(State())
    let minimumDrop: Int
    let settleTime: Duration
    private let clock: any Clock<Duration>
    private let trim: @Sendable () -> Void

    /// `trim` is glibc's `malloc_trim(0)`; tests pass their own, and a manual clock.
    package init(
        minimumDrop: Int = 1000,
        settleTime: Duration = .milliseconds(500),
        clock: any Clock<Duration> = ContinuousClock(),
        trim: @escaping @Sendable () -> Void = { _ = csystemmemory_release_free_heap() }
    ) {
        self.minimumDrop = minimumDrop
        self.settleTime = settleTime
        self.clock = clock
        self.trim = trim
    }

    /// Whether a trim waits for the current wave to settle (for tests).
    package var isTrimScheduled: Bool { self.state.withLock { $0.trimScheduled } }

    /// Records the session count after a session opened.
    package func opened(count: Int) {
        self.state.withLock { state in
            state.count = count
            state.peak = max(state.peak, count)
        }
    }

    /// Records the session count after a session closed; schedules a trim when a wave has gone.
    package func closed(count: Int) {
        let scheduledAt = self.state.withLock { state -> Int? in
            state.count = count
            state.closes &+= 1
            guard !state.trimScheduled, state.peak - count >= self.minimumDrop, count <= state.peak / 2 else { return nil }
            state.trimScheduled = true
            return state.closes
        }
        if let scheduledAt { Task.detached(priority: .background) { await self.trimWhenSettled(closesAtStart: scheduledAt) } }
    }

    /// Waits until no session closed for `settleTime`, then trims (off the event loops: a trim
    /// walks every arena, milliseconds for a large heap). The first settle time counts from the
    /// close that scheduled the trim, not from whenever the task got to run.
    private func trimWhenSettled(closesAtStart: Int) async {
        var seen = closesAtStart
        while true {
            try? await self.clock.sleep(for: self.settleTime)
            let now = self.state.withLock { $0.closes }
            if now == seen { break }
            seen = now
        }
        self.state.withLock { state in
            state.trimScheduled = false
            state.peak = state.count
        }
        self.trim()
    }
}
