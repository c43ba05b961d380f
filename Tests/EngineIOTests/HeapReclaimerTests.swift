import EngineIO
import Synchronization
import Testing

/// When the engine gives freed heap back after a disconnect wave (issue 6: RSS after everyone
/// left). The trim itself is glibc's; here a counter stands in for it.
@Suite("Heap reclaimer")
struct HeapReclaimerTests {
    final class Counter: Sendable {
        let trims = Atomic(0)
    }

    @Test func trimsOnceAfterAWaveHasSettled() async throws {
        let counter = Counter()
        let reclaimer = HeapReclaimer(minimumDrop: 100, settleTime: .milliseconds(50)) {
            counter.trims.add(1, ordering: .relaxed)
        }
        for count in 1...1000 { reclaimer.opened(count: count) }
        // A wave: down to 0. The trim waits for it to settle, then runs once. (A pause longer
        // than the settle time in the middle of a wave would make two waves, and two trims.)
        for count in stride(from: 999, through: 0, by: -1) { reclaimer.closed(count: count) }
        try await Self.waitUntil { counter.trims.load(ordering: .relaxed) == 1 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(counter.trims.load(ordering: .relaxed) == 1)
    }

    @Test func smallOrPartialDropsDoNotTrim() async throws {
        let counter = Counter()
        let reclaimer = HeapReclaimer(minimumDrop: 100, settleTime: .milliseconds(10)) {
            counter.trims.add(1, ordering: .relaxed)
        }
        // Below the minimum drop: 50 → 0 is all of them, but fewer than 100…
        for count in 1...50 { reclaimer.opened(count: count) }
        for count in stride(from: 49, through: 0, by: -1) { reclaimer.closed(count: count) }
        // …and more than the minimum, but not down to half the peak.
        for count in 1...1000 { reclaimer.opened(count: count) }
        for count in stride(from: 999, through: 700, by: -1) { reclaimer.closed(count: count) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(counter.trims.load(ordering: .relaxed) == 0)
        // Past half: one trim, and the peak starts again from there.
        for count in stride(from: 699, through: 400, by: -1) { reclaimer.closed(count: count) }
        try await Self.waitUntil { counter.trims.load(ordering: .relaxed) == 1 }
        for count in stride(from: 399, through: 350, by: -1) { reclaimer.closed(count: count) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(counter.trims.load(ordering: .relaxed) == 1)
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}
