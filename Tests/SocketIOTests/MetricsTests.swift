import CoreMetrics
import EngineIO
import MetricsTestKit
import SocketIO
import SocketIOProtocol
import SocketIOTesting
import TestSupport
import Testing

/// The metrics of issue 14, recorded into swift-metrics' test backend: each counter moves when
/// its event happens, labels stay bounded, and `isEnabled: false` records nothing.
@Suite("Metrics: counters and gauges through swift-metrics")
struct MetricsTests {
    static func makeServer(_ metrics: TestMetrics, maxNamespaceLabels: Int = 100) -> SocketIOServer {
        var configuration = SocketIOConfiguration()
        configuration.engine.metrics = MetricsConfiguration(factory: metrics, maxNamespaceLabels: maxNamespaceLabels)
        return SocketIOServer(configuration: configuration)
    }

    static func nsp(_ name: String) -> [(String, String)] { [("namespace", name)] }

    /// Waits until `condition` holds (the server records on its event loop, after the client
    /// has seen the effect).
    static func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try condition()
    }

    @Test func connectionsEventsAndPacketsAreCounted() async throws {
        let metrics = TestMetrics()
        let io = Self.makeServer(metrics)
        io.on("echo") { _, args in args }
        let client = try await SocketIOTestClient.connect(to: io)
        let connected = try metrics.expectMeter("socketio_sockets_connected", Self.nsp("/"))
        #expect(connected.lastValue == 1)
        for index in 0..<3 {
            #expect(try await client.emitWithAck("echo", .int(index)) == [.int(index)])
        }
        #expect(try metrics.expectTimer("socketio_event_handler_duration_seconds", Self.nsp("/")).values.count == 3)
        await client.disconnect()
        #expect(try await Self.eventually { connected.lastValue == 0 })
        // The session counts its traffic and adds it up when it ends (or every 64 packets, or
        // at a heartbeat): CONNECT and three EVENTs in; the CONNECT reply and three ACKs out.
        #expect(try await Self.eventually { try metrics.expectCounter("engineio_packets_received_total").totalValue >= 4 })
        #expect(try metrics.expectCounter("engineio_packets_sent_total").totalValue >= 4)
        #expect(try metrics.expectCounter("engineio_received_bytes_total").totalValue > 20)
        #expect(try metrics.expectCounter("engineio_sent_bytes_total").totalValue > 20)
    }

    @Test func webSocketSessionsAreCountedByTransport() async throws {
        let metrics = TestMetrics()
        let io = Self.makeServer(metrics)
        let client = try await SocketIOTestClient.connect(to: io, over: .live)
        let open = try metrics.expectMeter("engineio_sessions_open", [("transport", "websocket")])
        #expect(open.lastValue == 1)
        #expect(try metrics.expectCounter("engineio_sessions_opened_total").totalValue == 1)
        await client.disconnect()
        #expect(try await Self.eventually { open.lastValue == 0 })
    }

    @Test func refusedConnectsCountByReason() async throws {
        let metrics = TestMetrics()
        let io = Self.makeServer(metrics)
        io.of("/private").use { _, _ in throw ConnectError(message: "no") }
        await #expect(throws: SocketIOTestClient.ConnectionError.self) {
            _ = try await SocketIOTestClient.connect(to: io, namespace: "/private")
        }
        await #expect(throws: SocketIOTestClient.ConnectionError.self) {
            _ = try await SocketIOTestClient.connect(to: io, namespace: "/nowhere")
        }
        let middleware = try metrics.expectCounter("socketio_connects_refused_total", [("namespace", "/private"), ("reason", "middleware")])
        #expect(middleware.totalValue == 1)
        let invalid = try metrics.expectCounter("socketio_connects_refused_total", [("namespace", ""), ("reason", "invalid_namespace")])
        #expect(invalid.totalValue == 1)
        // The client's made-up name is no label.
        #expect(metrics.counters.allSatisfy { counter in !counter.dimensions.contains { $0.1 == "/nowhere" } })
    }

    @Test func ackTimeoutsAreCounted() async throws {
        let metrics = TestMetrics()
        let io = Self.makeServer(metrics)
        io.onConnection { socket in
            _ = try? await socket.emitWithAck("question", timeout: .milliseconds(50))
            try? socket.emit("timed-out")
        }
        let client = try await SocketIOTestClient.connect(to: io)
        _ = try await client.next("timed-out")
        #expect(try metrics.expectCounter("socketio_acks_timed_out_total", Self.nsp("/")).totalValue == 1)
        await client.disconnect()
    }

    @Test func broadcastsCountTheirDeliveries() async throws {
        let metrics = TestMetrics()
        let io = Self.makeServer(metrics)
        let alice = try await SocketIOTestClient.connect(to: io)
        let bob = try await SocketIOTestClient.connect(to: io)
        io.emit("news", "hello")
        _ = try await alice.next("news")
        _ = try await bob.next("news")
        #expect(try metrics.expectCounter("socketio_broadcasts_total", Self.nsp("/")).totalValue == 1)
        #expect(try metrics.expectCounter("socketio_broadcast_deliveries_total", Self.nsp("/")).totalValue == 2)
        await alice.disconnect()
        await bob.disconnect()
    }

    /// A hostile client connecting to many names of a dynamic namespace cannot grow the
    /// metrics: past the cap, every new namespace counts as `other`.
    @Test func namespaceLabelsAreCapped() async throws {
        let metrics = TestMetrics()
        let io = Self.makeServer(metrics, maxNamespaceLabels: 3)
        io.of(matching: { $0.hasPrefix("/ws-") }).on("ping") { _, _ in [.string("pong")] }
        for index in 0..<40 {
            let client = try await SocketIOTestClient.connect(to: io, namespace: "/ws-\(index)")
            #expect(try await client.emitWithAck("ping") == [.string("pong")])
            await client.disconnect()
        }
        let labels = Set(metrics.meters(label: "socketio_sockets_connected").flatMap { $0.dimensions.map(\.1) })
        // `/` and the first two dynamic names have labels of their own; the 38 others share one.
        #expect(labels == ["/", "/ws-0", "/ws-1", "other"])
        #expect(Set(metrics.timers(label: "socketio_event_handler_duration_seconds").flatMap { $0.dimensions.map(\.1) }).count <= 4)
        #expect(try metrics.expectTimer("socketio_event_handler_duration_seconds", Self.nsp("other")).values.count == 38)
    }

    /// A polling client that does not poll: its queue fills (`queue_full`), and a volatile emit
    /// finds no transport to take it (`volatile`). It is counted under `polling`.
    @Test func dropsAreCountedByReason() async throws {
        let metrics = TestMetrics()
        var configuration = SocketIOConfiguration(engine: EngineIOConfiguration(maxBufferedPackets: 8))
        configuration.engine.metrics = MetricsConfiguration(factory: metrics)
        let done = Recorder<String>()
        let server = try await LiveServer.start(configuration: configuration) { io in
            io.onConnection { socket in
                socket.namespace.volatile.emit("tick", 1)
                for n in 0..<20 { try? socket.emit("n", .int(n)) }
                await done.append("done")
            }
        }
        defer { Task { await server.stop() } }
        let open = try await LiveHTTP.request(port: server.port, "GET", "/socket.io/?EIO=4&transport=polling")
        let sid = String(open.body.dropFirst(9).prefix(20))
        // The session starts right after its handshake's answer is written: maybe after it arrives.
        #expect(try await Self.eventually { try metrics.expectMeter("engineio_sessions_open", [("transport", "polling")]).lastValue == 1 })
        _ = try await LiveHTTP.request(port: server.port, "POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: "40")
        _ = await done.wait(for: 1)
        // 8 slots: the CONNECT reply takes one, seven events fit, thirteen are refused.
        #expect(try metrics.expectCounter("engineio_packets_dropped_total", [("reason", "queue_full")]).totalValue == 13)
        #expect(
            try await Self.eventually {
                try metrics.expectCounter("engineio_packets_dropped_total", [("reason", "volatile")]).totalValue == 1
            }
        )
    }

    /// A client over its outbound bound for `pingTimeout` is closed as a slow consumer.
    @Test func slowConsumersAreCounted() async throws {
        let metrics = TestMetrics()
        var configuration = SocketIOConfiguration(
            engine: EngineIOConfiguration(pingInterval: .seconds(10), pingTimeout: .milliseconds(200), maxBufferedPackets: 4)
        )
        configuration.engine.metrics = MetricsConfiguration(factory: metrics)
        let server = try await LiveServer.start(configuration: configuration) { io in
            io.onConnection { socket in
                for n in 0..<10 { try? socket.emit("n", .int(n)) }
            }
        }
        defer { Task { await server.stop() } }
        let open = try await LiveHTTP.request(port: server.port, "GET", "/socket.io/?EIO=4&transport=polling")
        let sid = String(open.body.dropFirst(9).prefix(20))
        _ = try await LiveHTTP.request(port: server.port, "POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: "40")
        let slow = try metrics.expectCounter("engineio_slow_consumers_disconnected_total")
        #expect(try await Self.eventually { slow.totalValue == 1 })
        #expect(try await Self.eventually { try metrics.expectMeter("engineio_sessions_open", [("transport", "polling")]).lastValue == 0 })
    }

    @Test func recoveriesAndMissesAreCounted() async throws {
        let metrics = TestMetrics()
        var configuration = SocketIOConfiguration(connectionStateRecovery: ConnectionStateRecovery())
        configuration.engine.metrics = MetricsConfiguration(factory: metrics)
        let io = SocketIOServer(configuration: configuration)
        let connected = try metrics.expectMeter("socketio_sockets_connected", Self.nsp("/"))
        let first = try await SocketIOTestClient.connect(to: io)
        io.emit("seen")
        _ = try await first.next("seen")
        first.dropConnection()
        #expect(try await Self.eventually { connected.lastValue == 0 })
        let second = try await SocketIOTestClient.connect(to: io, recovering: first)
        #expect(second.recovered)
        #expect(try metrics.expectCounter("socketio_sessions_recovered_total", Self.nsp("/")).totalValue == 1)
        // A deliberate leave keeps no session: the next try misses.
        io.emit("seen")
        _ = try await second.next("seen")
        await second.disconnect()
        #expect(try await Self.eventually { connected.lastValue == 0 })
        let third = try await SocketIOTestClient.connect(to: io, recovering: second)
        #expect(!third.recovered)
        #expect(try metrics.expectCounter("socketio_recovery_misses_total", Self.nsp("/")).totalValue == 1)
        #expect(try metrics.expectCounter("socketio_sessions_recovered_total", Self.nsp("/")).totalValue == 1)
        await third.disconnect()
    }

    @Test func disabledMetricsRecordNothing() async throws {
        let metrics = TestMetrics()
        var configuration = SocketIOConfiguration()
        configuration.engine.metrics = MetricsConfiguration(isEnabled: false, factory: metrics)
        let io = SocketIOServer(configuration: configuration)
        io.on("echo") { _, args in args }
        let client = try await SocketIOTestClient.connect(to: io)
        _ = try await client.emitWithAck("echo", 1)
        await client.disconnect()
        #expect(metrics.counters.isEmpty)
        #expect(metrics.meters.isEmpty)
        #expect(metrics.timers.isEmpty)
    }
}
