import NIOCore
import NIOPosix

/// Opens Socket.IO connections to a loopback server, spread over source addresses
/// 127.0.0.2–127.0.0.201 so that no address runs out of ephemeral ports, at most `parallel`
/// handshakes at a time. A client that cannot connect within `handshakeTimeout` is counted in
/// the recorder and the others go on: a server that refuses some clients still gets measured.
struct Clients {
    let host: String
    let port: Int
    let group: MultiThreadedEventLoopGroup
    let recorder: LatencyRecorder
    /// What each client does once connected.
    var mode: BenchConnection.Mode = .idle
    /// Long-polling clients (two HTTP connections each) instead of WebSocket, sending `echo`.
    var polling = false
    /// The Socket.IO wire of the WebSocket clients.
    var wire = BenchWire.json
    /// Sends the open-loop scenarios' messages (on the tool's one loop).
    let pacer: NIOLoopBound<Pacer>

    private init(host: String, port: Int, group: MultiThreadedEventLoopGroup, recorder: LatencyRecorder, pacer: NIOLoopBound<Pacer>) {
        self.host = host
        self.port = port
        self.group = group
        self.recorder = recorder
        self.pacer = pacer
    }

    static func make(
        host: String,
        port: Int,
        group: MultiThreadedEventLoopGroup,
        recorder: LatencyRecorder,
        wire: BenchWire = .json
    ) async throws -> Clients {
        let loop = group.next()
        let pacer = try await loop.submit { NIOLoopBound(Pacer(eventLoop: loop), eventLoop: loop) }.get()
        var clients = Clients(host: host, port: port, group: group, recorder: recorder, pacer: pacer)
        clients.wire = wire
        return clients
    }

    /// Starts the open-loop sending, `rate` per second in all.
    func startPacing(rate: Double) async throws {
        let pacer = self.pacer
        try await pacer.eventLoop.submit { pacer.value.start(rate: rate) }.get()
    }

    func stopPacing() async throws {
        let pacer = self.pacer
        try await pacer.eventLoop.submit { pacer.value.stop() }.get()
    }

    static let handshakeTimeout = TimeAmount.seconds(30)

    func open(_ count: Int, parallel: Int = 256, mode: ((Int) -> BenchConnection.Mode)? = nil) async -> [any Channel] {
        var opened: [any Channel] = []
        opened.reserveCapacity(count)
        await withTaskGroup(of: [any Channel].self) { group in
            var next = 0
            func add() {
                let index = next
                let clientMode = mode?(index) ?? self.mode
                let recorder = self.recorder
                group.addTask {
                    do {
                        return try await self.connect(index, mode: clientMode)
                    } catch {
                        recorder.connectFailed(error)
                        return []
                    }
                }
                next += 1
            }
            while next < min(parallel, count) { add() }
            while let channels = await group.next() {
                opened += channels
                if next < count { add() }
            }
        }
        return opened
    }

    private func connect(_ index: Int, mode: BenchConnection.Mode) async throws -> [any Channel] {
        let recorder = self.recorder
        let pacer = self.pacer
        let wire = self.wire
        let loop = self.group.next()
        let source = try SocketAddress(ipAddress: "127.0.0.\(2 + index % 200)", port: 0)
        if self.polling {
            return try await PollingBenchClient.connect(
                host: self.host,
                port: self.port,
                source: source,
                eventLoop: loop,
                recorder: recorder,
                pacer: self.pacer
            )
        }
        let connected = loop.makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        BenchConnection(connected: connected, recorder: recorder, mode: mode, wire: wire, pacer: pacer)
                    )
                }
            }
            .bind(to: source)
            .connect(host: self.host, port: self.port).get()
        try await ClientHandshake.wait(for: connected, on: channel, timeout: Self.handshakeTimeout)
        return [channel]
    }

    /// Closes every connection and waits for them.
    static func close(_ channels: [any Channel]) async {
        for channel in channels { channel.close(promise: nil) }
        for channel in channels { try? await channel.closeFuture.get() }
    }
}
