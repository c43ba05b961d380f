import SocketIO

// Run: swift run client-suite-server-example [--port 3210]   (the suite expects 3210)
let arguments = CommandLine.arguments
let port = arguments.firstIndex(of: "--port").flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil } ?? 3210

let io = SocketIOServer(configuration: clientSuiteConfiguration())
installClientSuiteHandlers(on: io)
let server = try await HTTPServer.bind(host: "127.0.0.1", port: port, engines: [io.engine])
print("listening on 127.0.0.1:\(server.port ?? port)")  // scripts/test.sh reads the port from this line
try await server.waitUntilClosed()
