import Synchronization
import TestSupport
import Testing

@testable import EngineIO

/// When the engine gives freed heap back after a disconnect wave (issue 6: RSS after everyone
/// left). The trim itself is glibc's; here a stream stands in for it, and a manual clock for
/// the settle time, so no test sleeps.
@Suite("Heap reclaimer", .timeLimit(.minutes(1)))
struct HeapReclaimerTests {
    let clock = ManualClock()
    let trims: AsyncStream<Void>
    let trimmed: AsyncStream<Void>.Continuation

    init() {
        (self.trims, self.trimmed) = AsyncStream<Void>.makeStream()
    }

    func reclaimer(minimumDrop: Int = 100) -> HeapReclaimer {
        let trimmed = self.trimmed
        return HeapReclaimer(minimumDrop: minimumDrop, settleTime: .milliseconds(50), clock: self.clock) { trimmed.yield() }
    }

    @Test func trimsOnceAfterAWaveHasSettled() async throws {
        let reclaimer = self.reclaimer()
        for count in 1...1000 { reclaimer.opened(count: count) }
        for count in stride(from: 999, through: 500, by: -1) { reclaimer.closed(count: count) }
        #expect(reclaimer.isTrimScheduled)
        // The wave goes on while the trim waits: it waits a settle time more.
        await self.clock.waitForSleepers(1)
        for count in stride(from: 499, through: 0, by: -1) { reclaimer.closed(count: count) }
        self.clock.advance(by: .milliseconds(50))
        await self.clock.waitForSleepers(1)
        self.clock.advance(by: .milliseconds(50))
        var iterator = self.trims.makeAsyncIterator()
        await iterator.next()
        #expect(!reclaimer.isTrimScheduled)
        // The peak starts again from where the trim found the count: closing nothing more
        // schedules nothing.
        reclaimer.closed(count: 0)
        #expect(!reclaimer.isTrimScheduled)
        #expect(self.clock.sleeperCount == 0)
    }

    @Test func smallOrPartialDropsDoNotTrim() async throws {
        let reclaimer = self.reclaimer()
        // Below the minimum drop: 50 → 0 is all of them, but fewer than 100…
        for count in 1...50 { reclaimer.opened(count: count) }
        for count in stride(from: 49, through: 0, by: -1) { reclaimer.closed(count: count) }
        #expect(!reclaimer.isTrimScheduled)
        // …and more than the minimum, but not down to half the peak.
        for count in 1...1000 { reclaimer.opened(count: count) }
        for count in stride(from: 999, through: 700, by: -1) { reclaimer.closed(count: count) }
        #expect(!reclaimer.isTrimScheduled)
        // Past half (at 500): one trim, once the wave (down to 400) has settled, and the peak
        // starts again from there. The closes after 500 make the trim wait a settle time more.
        for count in stride(from: 699, through: 400, by: -1) { reclaimer.closed(count: count) }
        #expect(reclaimer.isTrimScheduled)
        await self.clock.waitForSleepers(1)
        self.clock.advance(by: .milliseconds(50))
        await self.clock.waitForSleepers(1)
        self.clock.advance(by: .milliseconds(50))
        var iterator = self.trims.makeAsyncIterator()
        await iterator.next()
        for count in stride(from: 399, through: 350, by: -1) { reclaimer.closed(count: count) }
        #expect(!reclaimer.isTrimScheduled)
    }
}
