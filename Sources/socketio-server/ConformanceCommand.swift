import ArgumentParser
import EngineIO
import Logging
import NIOCore
import SocketIO
import SocketIOProtocol

/// The set-up the official protocol suites expect (../shared/conformance/SERVER_CONTRACT.md):
/// `/engine.io/` as an echo engine, `/socket.io/` with the suites' handlers, pingInterval 300,
/// pingTimeout 200, connectTimeout 1000, maxPayload 1000000.
struct ConformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Serve the official Engine.IO v4 / Socket.IO v5 test suites' server."
    )

    @OptionGroup var options: ServerOptions

    func run() async throws {
        _ = LogSetup.bootstrap(level: self.options.logLevel)
        let engineConfiguration = EngineIOConfiguration(
            pingInterval: .milliseconds(300),
            pingTimeout: .milliseconds(200),
            maxPayload: 1_000_000,
            cors: CORSConfiguration(origins: .any)
        )
        let echo = EngineIOServer(path: "/engine.io/", configuration: engineConfiguration, application: EchoEngineApplication())
        let io = SocketIOServer(configuration: SocketIOConfiguration(engine: engineConfiguration, connectTimeout: .milliseconds(1000)))
        for namespace in [io.of("/"), io.of("/custom")] {
            Self.installSuiteHandlers(on: namespace)
        }
        let server = try await HTTPServer.bind(host: self.options.host, port: self.options.port, engines: [echo, io.engine])
        StandardOutput.line("listening on \(self.options.host):\(server.port ?? 0)")
        try await server.waitUntilClosed()
    }

    /// The Socket.IO suite's handlers: send the auth payload back as an `auth` event, answer
    /// `message` with `message-back`, and ack `message-with-ack` with its own arguments.
    static func installSuiteHandlers(on namespace: Namespace) {
        namespace.onConnection { socket in
            try? socket.emit("auth", socket.handshake.auth)
        }
        namespace.on("message") { socket, args in
            try socket.emit("message-back", arguments: args)
            return nil
        }
        namespace.on("message-with-ack") { _, args in args }
    }
}
