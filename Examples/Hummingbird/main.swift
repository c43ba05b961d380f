import Hummingbird
import HummingbirdWebSocket
import SocketIO
import SocketIOHummingbird

// An existing Hummingbird 2 application that gets Socket.IO on its own port with
// SocketIOHummingbird: its JSON routes stay as they are, `/socket.io/` is added.
// Run: swift run hummingbird-example [--port 8080]   (--port 0 picks a free port)
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Greeting: ResponseCodable { var hello: String }

let arguments = CommandLine.arguments
let port = arguments.firstIndex(of: "--port").flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil } ?? 8080

let io = SocketIOServer()
io.on("echo") { _, args in args }  // acks with what it got
io.on("join") { (socket: Socket, room: String) async throws -> Bool in
    socket.join(room)
    return true
}
io.on("say") { (socket: Socket, room: String, text: String) in
    try socket.to(room).emit("said", socket.id, text)
}

let router = Router(context: BasicWebSocketRequestContext.self)
router.get("/api/hello") { _, _ in Greeting(hello: "world") }  // the app's own HTTP
router.get("/api/clients") { _, _ in "\(try await io.fetchSockets().count)" }
router.addSocketIO(io)

let app = Application(
    router: router,
    server: .http1WebSocketUpgrade(webSocketRouter: router),
    configuration: .init(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { channel in
        print("listening on 127.0.0.1:\(channel.localAddress?.port ?? port)")
        fflush(nil)  // every output stream: the tests read this line through a pipe
    }
)
try await app.runService()
