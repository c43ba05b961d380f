import SocketIO
import SocketIORedisAdapter
import SocketIOTesting
import Testing

/// Issue 11: a request to other servers honours cancellation, and a shutdown fails every
/// request still waiting instead of leaving it to its timeout.
@Suite("Cluster requests: cancellation and shutdown")
struct ClusterCancellationTests {
    /// A node with a silent peer (subscribed to the request channel, never answering), so that
    /// every request waits its full, long timeout.
    static func nodeWithASilentPeer() -> ClusterAdapterTests.Node {
        let broker = InMemoryBroker()
        let node = ClusterAdapterTests.node(on: broker, requestsTimeout: .seconds(60))
        let silent = broker.makeClient { _ in }
        silent.subscribe("socket.io-request#/#")
        return node
    }

    @Test func aCancelledRequestReturnsAtOnce() async throws {
        let node = Self.nodeWithASilentPeer()
        #expect(try await node.io.serverCount() == 2)
        let started = ContinuousClock.now
        let request = Task { try await node.io.fetchSockets() }
        try await Task.sleep(for: .milliseconds(50))
        request.cancel()
        await #expect(throws: CancellationError.self) { _ = try await request.value }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func shutdownFailsEveryWaitingRequest() async throws {
        let node = Self.nodeWithASilentPeer()
        let running = Task { await node.cluster.run() }
        #expect(try await node.io.serverCount() == 2)
        let started = ContinuousClock.now
        let fetch = Task { try await node.io.fetchSockets() }
        let emit = Task { try await node.io.serverSideEmitWithAck("x", timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(100))
        running.cancel()
        await running.value
        await #expect(throws: AdapterError.unavailable("the server is shutting down")) { _ = try await fetch.value }
        await #expect(throws: AdapterError.unavailable("the server is shutting down")) { _ = try await emit.value }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
