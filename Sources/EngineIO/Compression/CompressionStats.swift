import Synchronization

/// What the server's compression did, counted since it started: the evidence behind the
/// figures in docs/benchmarks.md, and what the end-to-end tests check to see that a peer's
/// messages really went compressed. Safe from any thread.
package final class CompressionStats: Sendable {
    private let deflatedMessages = Atomic<Int>(0)
    private let deflatedBytesIn = Atomic<Int>(0)
    private let deflatedBytesOut = Atomic<Int>(0)
    private let inflatedMessages = Atomic<Int>(0)
    private let inflatedBytesIn = Atomic<Int>(0)
    private let inflatedBytesOut = Atomic<Int>(0)
    private let compressedResponses = Atomic<Int>(0)
    private let responseBytesIn = Atomic<Int>(0)
    private let responseBytesOut = Atomic<Int>(0)
    private let deflateConnections = Atomic<Int>(0)

    package init() {}

    func deflated(from before: Int, to after: Int) {
        self.deflatedMessages.add(1, ordering: .relaxed)
        self.deflatedBytesIn.add(before, ordering: .relaxed)
        self.deflatedBytesOut.add(after, ordering: .relaxed)
    }

    func inflated(from before: Int, to after: Int) {
        self.inflatedMessages.add(1, ordering: .relaxed)
        self.inflatedBytesIn.add(before, ordering: .relaxed)
        self.inflatedBytesOut.add(after, ordering: .relaxed)
    }

    func compressedResponse(from before: Int, to after: Int) {
        self.compressedResponses.add(1, ordering: .relaxed)
        self.responseBytesIn.add(before, ordering: .relaxed)
        self.responseBytesOut.add(after, ordering: .relaxed)
    }

    func negotiatedDeflate() {
        self.deflateConnections.add(1, ordering: .relaxed)
    }

    /// The counters as a flat dictionary (names in snake case), for a test or a status page.
    package var snapshot: [String: Int] {
        [
            "ws_deflate_connections": self.deflateConnections.load(ordering: .relaxed),
            "ws_deflated_messages": self.deflatedMessages.load(ordering: .relaxed),
            "ws_deflated_bytes_in": self.deflatedBytesIn.load(ordering: .relaxed),
            "ws_deflated_bytes_out": self.deflatedBytesOut.load(ordering: .relaxed),
            "ws_inflated_frames": self.inflatedMessages.load(ordering: .relaxed),
            "ws_inflated_bytes_in": self.inflatedBytesIn.load(ordering: .relaxed),
            "ws_inflated_bytes_out": self.inflatedBytesOut.load(ordering: .relaxed),
            "http_compressed_responses": self.compressedResponses.load(ordering: .relaxed),
            "http_compressed_bytes_in": self.responseBytesIn.load(ordering: .relaxed),
            "http_compressed_bytes_out": self.responseBytesOut.load(ordering: .relaxed),
        ]
    }
}
