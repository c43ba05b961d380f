import Testing

@testable import SocketIO

/// The counting behind inbound backpressure, without a connection.
@Suite("Inbound backlog")
struct InboundBacklogTests {
    @Test func pausesPastEitherBoundAndResumesAtHalfOfBoth() {
        var backlog = InboundBacklog(maxEvents: 4, maxBytes: 1000)
        for _ in 0..<4 { #expect(backlog.dispatched(bytes: 10) == nil) }
        #expect(backlog.dispatched(bytes: 10) == .pauseReading)
        #expect(backlog.dispatched(bytes: 10) == nil)  // already paused
        for _ in 0..<3 { #expect(backlog.finished(bytes: 10) == nil) }
        #expect(backlog.finished(bytes: 10) == .resumeReading)  // 2 left: half of 4
        #expect(backlog.events == 2)

        var bytes = InboundBacklog(maxEvents: 100, maxBytes: 1000)
        #expect(bytes.dispatched(bytes: 900) == nil)
        #expect(bytes.dispatched(bytes: 200) == .pauseReading)
        #expect(bytes.finished(bytes: 200) == nil)  // 900 > half
        #expect(bytes.finished(bytes: 900) == .resumeReading)
        #expect(bytes.bytes == 0 && bytes.events == 0)
    }
}
