import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Tells linear from quadratic work by growth, not by speed: the same operation on an input of
/// size n and of size 4n. Linear work takes about 4× as long, quadratic 16×, whatever the
/// machine, so the ratio holds on a loaded CI runner where an absolute time would not.
///
/// Each size runs several times and the fastest run counts, which filters out the moments the
/// machine was busy elsewhere. The timing runs on a thread of its own, not on Swift's
/// cooperative pool: seconds of CPU work there would starve the other tests' tasks (on a
/// 2-core runner, a live-server test's client could not send its request in time).
public enum Complexity {
    /// The growth a linear parser shows for 4× the input is about 4; anything above this is
    /// treated as superlinear. A quadratic one shows 16.
    public static let linearLimit = 6.0

    /// How much longer `work` takes on 4 × `n` than on `n`.
    ///
    /// - Parameters:
    ///   - n: the small size; pick it so one run takes a few milliseconds.
    ///   - runs: runs per size; the fastest counts.
    ///   - prepare: builds the input of a size (not timed).
    ///   - work: the operation to time.
    public static func growth<Input>(
        n: Int,
        runs: Int = 7,
        prepare: @escaping @Sendable (Int) -> Input,
        _ work: @escaping @Sendable (Input) throws -> Void
    ) async throws -> Double {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        return try await pool.runIfActive {
            // A busy machine (other test processes, fuzzers) can push one linear measurement
            // past the limit; a quadratic one stays near 16× however often it is taken. So an
            // answer over the limit is measured once more, and the smaller one counts.
            let first = try self.measure(n: n, runs: runs, prepare: prepare, work)
            guard first >= self.linearLimit, first < 2 * self.linearLimit else { return first }
            return min(first, try self.measure(n: n, runs: runs, prepare: prepare, work))
        }
    }

    private static func measure<Input>(n: Int, runs: Int, prepare: (Int) -> Input, _ work: (Input) throws -> Void) throws -> Double {
        let small = prepare(n)
        let large = prepare(4 * n)
        // One run each warms caches, lazy tables and first allocations. When even that shows
        // clearly superlinear growth, stop: a quadratic regression should fail in one run, not
        // hold the test suite for minutes.
        var bestSmall = try self.time { try work(small) }
        var bestLarge = try self.time { try work(large) }
        let warmGrowth = Double(bestLarge) / Double(max(bestSmall, 1))
        if warmGrowth > 2 * self.linearLimit { return warmGrowth }
        for _ in 0..<runs {
            bestSmall = min(bestSmall, try self.time { try work(small) })
            bestLarge = min(bestLarge, try self.time { try work(large) })
        }
        return Double(bestLarge) / Double(max(bestSmall, 1))
    }

    private static func time(_ body: () throws -> Void) rethrows -> UInt64 {
        let start = self.now()
        try body()
        return self.now() - start
    }

    /// CPU time of this thread, in nanoseconds: what another process does to the machine does
    /// not count (the wall clock would).
    private static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
