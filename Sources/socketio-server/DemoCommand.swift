import ArgumentParser
import EngineIO
import Logging
import NIOCore
import SocketIO

/// `socketio-server demo` (the default): a page at `/` that says the server runs, and a
/// Socket.IO endpoint with the e2e app's events so a client can try it.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Serve the demo app (the default).")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        _ = LogSetup.bootstrap(level: self.options.logLevel)
        let io = SocketIOServer()
        E2EApplication.install(on: io)
        let server = try await HTTPServer.bind(host: self.options.host, port: self.options.port, engines: [io.engine]) { request in
            switch request.path {
            case "/": return .text(DemoPage.html, contentType: "text/html; charset=utf-8")
            case "/health": return .text("ok")
            default: return .notFound
            }
        }
        StandardOutput.line("listening on \(self.options.host):\(server.port ?? 0)")
        Logger(label: "socketio-server").notice("demo on http://\(self.options.host):\(server.port ?? 0)/")
        try await server.waitUntilClosed()
    }
}

/// `socketio-server e2e`: the end-to-end test app, any origin allowed, `/health` answering 200.
struct E2ECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "e2e", abstract: "Serve the end-to-end test app.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        _ = LogSetup.bootstrap(level: self.options.logLevel)
        let io = SocketIOServer(configuration: SocketIOConfiguration(engine: EngineIOConfiguration(cors: CORSConfiguration(origins: .any))))
        E2EApplication.install(on: io)
        let server = try await HTTPServer.bind(host: self.options.host, port: self.options.port, engines: [io.engine]) { request in
            request.path == "/health" ? .text("ok") : .notFound
        }
        // Tests read this line to learn the port when they pass --port 0.
        StandardOutput.line("listening on \(self.options.host):\(server.port ?? 0)")
        Logger(label: "socketio-server").notice("e2e app on \(self.options.host):\(server.port ?? 0)")
        try await server.waitUntilClosed()
    }
}

enum DemoPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>swift-socketio</title></head>
        <body>
        <h1>swift-socketio is running</h1>
        <p>A Socket.IO v5 server is listening on <code>/socket.io/</code> on this port.
        Try it with any Socket.IO 4.x client: emit <code>echo</code> with an ack and get your arguments back.</p>
        </body>
        </html>
        """
}
