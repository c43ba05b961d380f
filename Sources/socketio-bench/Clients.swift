import NIOCore
import NIOPosix

/// Opens Socket.IO connections to a loopback server, spread over source addresses
/// 127.0.0.2–127.0.0.201 so that no address runs out of ephemeral ports, at most `parallel`
/// handshakes at a time.
struct Clients {
    let host: String
    let port: Int
    let group: MultiThreadedEventLoopGroup
    let recorder: LatencyRecorder
    /// What each client does once connected.
    var mode: BenchConnection.Mode = .idle

    func open(_ count: Int, parallel: Int = 256, mode: ((Int) -> BenchConnection.Mode)? = nil) async throws -> [any Channel] {
        var opened: [any Channel] = []
        opened.reserveCapacity(count)
        try await withThrowingTaskGroup(of: (any Channel).self) { group in
            var next = 0
            func add() {
                let index = next
                let clientMode = mode?(index) ?? self.mode
                group.addTask { try await self.connect(index, mode: clientMode) }
                next += 1
            }
            while next < min(parallel, count) { add() }
            while let channel = try await group.next() {
                opened.append(channel)
                if next < count { add() }
            }
        }
        return opened
    }

    private func connect(_ index: Int, mode: BenchConnection.Mode) async throws -> any Channel {
        let recorder = self.recorder
        let loop = self.group.next()
        let connected = loop.makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BenchConnection(connected: connected, recorder: recorder, mode: mode))
                }
            }
            .bind(to: try SocketAddress(ipAddress: "127.0.0.\(2 + index % 200)", port: 0))
            .connect(host: self.host, port: self.port).get()
        try await connected.futureResult.get()
        return channel
    }

    /// Closes every connection and waits for them.
    static func close(_ channels: [any Channel]) async {
        for channel in channels { channel.close(promise: nil) }
        for channel in channels { try? await channel.closeFuture.get() }
    }
}
