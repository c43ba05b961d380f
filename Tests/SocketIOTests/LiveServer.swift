import EngineIO
import Logging
import NIOCore
import SocketIO
import TestSupport

/// A Socket.IO server on a free loopback port for one test.
struct LiveServer {
    let io: SocketIOServer
    let http: HTTPServer
    var port: Int { self.http.port! }

    static func start(
        configuration: SocketIOConfiguration = SocketIOConfiguration(),
        logger: Logger = Logger(label: "socketio"),
        _ setUp: (SocketIOServer) -> Void
    ) async throws -> LiveServer {
        let io = SocketIOServer(configuration: configuration, logger: logger)
        setUp(io)
        let http = try await HTTPServer.bind(host: "127.0.0.1", port: 0, engines: [io.engine])
        return LiveServer(io: io, http: http)
    }

    /// A raw WebSocket client that has joined `namespace` (`/` by default).
    func connectedClient(namespace: String = "/", auth: String = "") async throws -> (LiveWebSocketClient, String) {
        let client = try await LiveWebSocketClient.connect(port: self.port)
        guard let open = await client.nextText(), open.hasPrefix("0{") else { throw LiveServerError.noHandshake }
        let prefix = namespace == "/" ? "40" : "40\(namespace),"
        try await client.send(text: prefix + auth)
        guard let reply = await client.nextText(), reply.hasPrefix(prefix + "{\"sid\":\"") else { throw LiveServerError.noConnect }
        let sid = String(reply.dropFirst(prefix.count + 8).prefix { $0 != "\"" })
        return (client, sid)
    }

    func stop() async {
        try? await self.http.close()
    }
}

enum LiveServerError: Error {
    case noHandshake
    case noConnect
}

/// Collects values from handlers running on other tasks.
actor Recorder<Value: Sendable> {
    private let collected = Watched<[Value]>([])
    var values: [Value] { self.collected.value }
    func append(_ value: Value) { self.collected.update { $0.append(value) } }

    /// Waits until `count` values arrived (or 5 s), and returns what did.
    func wait(for count: Int) async -> [Value] {
        try? await self.collected.wait(timeout: .seconds(5)) { $0.count >= count }
        return self.collected.value
    }
}
