import ArgumentParser
import EngineIO
import Logging
import NIOCore

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
        let server = try await HTTPServer.bind(host: self.options.host, port: self.options.port, engines: [echo])
        Logger(label: "socketio-server").info("conformance server listening on \(self.options.host):\(server.port ?? 0)")
        try await server.waitUntilClosed()
    }
}
