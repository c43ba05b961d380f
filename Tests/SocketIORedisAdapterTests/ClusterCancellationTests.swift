import Logging
import NIOCore
import NIOEmbedded
import ServiceLifecycle
import SocketIO
import SocketIOProtocol
import SocketIOTesting
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SocketIORedisAdapter

/// Issue 11 and 12: a request to other servers honours cancellation, times out on an
/// event-loop timer, and a shutdown of the cluster service fails every request still waiting
/// (and every later one) instead of leaving it to its timeout.
@Suite("Cluster requests: timers, cancellation and shutdown")
struct ClusterCancellationTests {
    /// A node with a silent peer (subscribed to the request channel, never answering), so that
    /// every request waits its full, long timeout; `heard` counts the requests the peer got.
    static func nodeWithASilentPeer() async throws -> (node: ClusterAdapterTests.Node, heard: Watched<Int>) {
        let broker = InMemoryBroker()
        let node = try await ClusterAdapterTests.node(on: broker, requestsTimeout: .seconds(60))
        let heard = Watched(0)
        let silent = broker.makeClient { _ in heard.update { $0 += 1 } }
        silent.subscribe("socket.io-request#/#")
        return (node, heard)
    }

    @Test func aCancelledRequestReturnsAtOnce() async throws {
        let (node, heard) = try await Self.nodeWithASilentPeer()
        #expect(try await node.io.serverCount() == 2)
        let started = ContinuousClock.now
        let request = Task { try await node.io.fetchSockets() }
        // The peer got the request: it waits for an answer that never comes.
        try await heard.wait { $0 == 1 }
        request.cancel()
        await #expect(throws: CancellationError.self) { _ = try await request.value }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func cancellingTheServiceFailsEveryWaitingRequest() async throws {
        let (node, heard) = try await Self.nodeWithASilentPeer()
        #expect(try await node.io.serverCount() == 2)
        let started = ContinuousClock.now
        let fetch = Task { try await node.io.fetchSockets() }
        let emit = Task { try await node.io.serverSideEmitWithAck("x", timeout: .seconds(60)) }
        // The peer got both requests: both wait.
        try await heard.wait { $0 == 2 }
        node.running.cancel()
        _ = await node.running.result
        await #expect(throws: AdapterError.unavailable("the server is shutting down")) { _ = try await fetch.value }
        await #expect(throws: AdapterError.unavailable("the server is shutting down")) { _ = try await emit.value }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// The adapter as a `Service` in a `ServiceGroup`: a graceful shutdown ends its run, fails
    /// what waits and what comes later, and ends its subscriptions.
    @Test func aGracefulShutdownFailsPendingAndLaterRequestsAndEndsSubscriptions() async throws {
        let broker = InMemoryBroker()
        let pubsub = broker.makeClient()
        let cluster = RedisClusterAdapter(pubsub: pubsub, configuration: .init(requestsTimeout: .seconds(60)))
        let io = SocketIOServer(configuration: SocketIOConfiguration(adapter: cluster))
        let heard = Watched(0)
        broker.makeClient { _ in heard.update { $0 += 1 } }.subscribe("socket.io-request#/#")  // a silent peer
        let group = ServiceGroup(services: [cluster], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        try await pubsub.waitUntilSubscribed(to: "socket.io-request#/#")
        #expect(pubsub.openScopes == 1)

        let started = ContinuousClock.now
        let fetch = Task { try await io.fetchSockets() }
        // The peer got the request, which is pending.
        try await heard.wait { $0 == 1 }
        #expect(cluster.context.adapters.all.first?.pending.count == 1)
        await group.triggerGracefulShutdown()
        try await running.value
        await #expect(throws: AdapterError.unavailable("the server is shutting down")) { _ = try await fetch.value }
        // Later requests fail at once, not at their timeout.
        await #expect(throws: AdapterError.unavailable("the server is shutting down")) { _ = try await io.fetchSockets() }
        #expect(ContinuousClock.now - started < .seconds(5))
        // The subscriptions were scoped to the service's run.
        #expect(pubsub.openScopes == 0)
        #expect(!pubsub.isSubscribed("socket.io-request#/#"))
    }

    /// The request timer is an event-loop `scheduleTask`: on a test loop, advancing its clock
    /// fires it, with no real time passing.
    @Test func aRequestTimesOutOnItsLoopTimer() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let pending = PendingRequests(eventLoop: loop)
        let started = ContinuousClock.now
        let sent = Watched(false)
        let request = Task {
            try await pending.wait(for: "r1", expected: 1, timeout: .seconds(30), operation: "fetchSockets") { sent.update { $0 = true } }
        }
        // Sent once registered, its timer set.
        try await sent.wait { $0 }
        #expect(pending.count == 1)
        await loop.advanceTime(by: .seconds(29))
        #expect(pending.count == 1)
        await loop.advanceTime(by: .seconds(1))
        await #expect(throws: AdapterError.timeout("fetchSockets")) { _ = try await request.value }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(pending.count == 0)
        await loop.shutdownGracefully()
    }

    /// An answer cancels the timer and completes the request; one that comes after is ignored.
    @Test func answersCompleteARequestBeforeItsTimer() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let pending = PendingRequests(eventLoop: loop)
        let sent = Watched(false)
        let request = Task {
            try await pending.wait(for: "r1", expected: 2, timeout: .seconds(5), operation: "fetchSockets") { sent.update { $0 = true } }
        }
        try await sent.wait { $0 }
        #expect(pending.count == 1)
        pending.answer("r1", "a")
        pending.answer("other", "x")
        pending.answer("r1", "b")
        #expect(try await request.value == ["a", "b"])
        await loop.advanceTime(by: .seconds(10))
        pending.answer("r1", "late")
        await loop.shutdownGracefully()
    }

    /// A malformed response on the response channel is dropped: the request it does not
    /// answer still gets the good answer that follows.
    @Test func aMalformedResponseIsDroppedAndTheRequestGoesOn() async throws {
        let broker = InMemoryBroker()
        let node = try await ClusterAdapterTests.node(on: broker, requestsTimeout: .seconds(5))
        let peer = broker.makeClient { message in
            guard let request = try? NodeAdapterWire.decodeRequest(message.payload), let id = request.requestID else { return }
            broker.publish("socket.io-response#/#", ByteBuffer(string: "{not json"))
            broker.publish("socket.io-response#/#", ByteBuffer(string: #"{"type":8,"requestId":"\#(id)"}"#))
            broker.publish("socket.io-response#/#", ByteBuffer(string: #"{"requestId":"\#(id)","sockets":[]}"#))
        }
        peer.subscribe("socket.io-request#/#")
        #expect(try await node.io.fetchSockets().isEmpty)
    }
}
