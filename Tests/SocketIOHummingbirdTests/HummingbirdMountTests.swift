import EngineIO
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import SocketIO
import SocketIOHummingbird
import SocketIOProtocol
import Synchronization
import TestSupport
import Testing

/// A Hummingbird 2 application with its own route and Socket.IO mounted, on a free loopback
/// port, driven over real sockets.
struct HummingbirdApp {
    let io: SocketIOServer
    let port: Int
    let task: Task<Void, any Error>

    static func start(
        configuration: SocketIOConfiguration = SocketIOConfiguration(),
        _ setUp: (SocketIOServer) -> Void = { _ in }
    ) async throws -> HummingbirdApp {
        let io = SocketIOServer(configuration: configuration)
        io.on("echo") { _, args in args }
        io.on("join") { (socket: Socket, room: String) async throws -> Bool in
            socket.join(room)
            return true
        }
        io.on("say") { (socket: Socket, room: String, text: String) in try socket.to(room).emit("said", text) }
        setUp(io)
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.get("/api/hello") { _, _ in "world" }
        router.addSocketIO(io)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Self.quietLogger
        )
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return HummingbirdApp(io: io, port: port, task: task)
    }

    func stop() { self.task.cancel() }

    /// Stopping by cancellation makes Hummingbird log an error per open connection; not news here.
    static var quietLogger: Logger {
        var logger = Logger(label: "hummingbird-test")
        logger.logLevel = .critical
        return logger
    }

    func http(_ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil) async throws -> RawResponse {
        try await LiveHTTP.request(port: self.port, method, path, headers: headers, body: body)
    }

    /// A polling session that has joined `/`: its sid.
    func pollingSession() async throws -> String {
        let open = try await self.http("GET", "/socket.io/?EIO=4&transport=polling")
        let sid = String(open.body.dropFirst(#"0{"sid":""#.count).prefix { $0 != "\"" })
        #expect(try await self.http("POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: "40").body == "ok")
        #expect(try await self.http("GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)").body.hasPrefix(#"40{"sid":""#))
        return sid
    }
}

@Suite("SocketIOHummingbird: Socket.IO mounted in a Hummingbird 2 application", .timeLimit(.minutes(1)))
struct HummingbirdMountTests {
    @Test func theAppsOwnRoutesAndSocketIOShareThePort() async throws {
        let app = try await HummingbirdApp.start()
        defer { app.stop() }
        let hello = try await app.http("GET", "/api/hello")
        #expect(hello.status == 200 && hello.body == "world")
        let open = try await app.http("GET", "/socket.io/?EIO=4&transport=polling")
        #expect(open.status == 200)
        #expect(open.header("content-type") == "text/plain; charset=UTF-8")
        #expect(open.body.hasPrefix(#"0{"sid":""#))
        #expect(open.body.hasSuffix(#"","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#))
    }

    @Test(
        "bad requests get the engine's error codes",
        arguments: [
            ("GET", "/socket.io/?EIO=4&transport=abc", #"{"code":0,"message":"Transport unknown"}"#),
            ("GET", "/socket.io/?transport=polling", #"{"code":5,"message":"Unsupported protocol version"}"#),
            ("POST", "/socket.io/?EIO=4&transport=polling", #"{"code":2,"message":"Bad handshake method"}"#),
            ("GET", "/socket.io/?EIO=4&transport=polling&sid=nope", #"{"code":1,"message":"Session ID unknown"}"#),
            ("GET", "/socket.io/?EIO=4&transport=websocket", #"{"code":3,"message":"Bad request"}"#),
        ]
    )
    func errorCodes(method: String, uri: String, body: String) async throws {
        let app = try await HummingbirdApp.start()
        defer { app.stop() }
        let response = try await app.http(method, uri, body: method == "POST" ? "" : nil)
        #expect(response.status == 400)
        #expect(response.body == body)
        #expect(response.header("content-type") == "application/json")
    }

    @Test func longPollingCarriesEventsAndAcks() async throws {
        let app = try await HummingbirdApp.start()
        defer { app.stop() }
        let sid = try await app.pollingSession()
        #expect(try await app.http("POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: #"421["echo","hi",{"n":1}]"#).body == "ok")
        let poll = try await app.http("GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)")
        #expect(poll.body == #"431["hi",{"n":1}]"#)
        // A waiting poll is answered when data arrives.
        let waiting = Task { try await app.http("GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)") }
        // Real time: nothing tells when the engine has parked this poll. Hummingbird calls the
        // engine from inside the route (no hook after it), the engine's logger is fixed by
        // SocketIOServer, and a parked poll changes nothing another request could observe.
        // Were the emit first, the poll would still get it, buffered: the test would pass
        // without showing the wait, never fail wrongly.
        try await Task.sleep(for: .milliseconds(100))
        app.io.emit("news", "late")
        #expect(try await waiting.value.body == #"42["news","late"]"#)
        // Oversize POSTs are refused with 413, as on the standalone server.
        let big = String(repeating: "x", count: 1_000_001)
        #expect(try await app.http("POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: big).status == 413)
    }

    @Test func webSocketOnlyClients() async throws {
        let app = try await HummingbirdApp.start()
        defer { app.stop() }
        let client = try await LiveWebSocketClient.connect(port: app.port)
        let open = await client.nextText()
        #expect(open?.hasPrefix(#"0{"sid":""#) == true)
        #expect(open?.contains(#""upgrades":[]"#) == true)
        try await client.send(text: "40")
        #expect(await client.nextText()?.hasPrefix(#"40{"sid":""#) == true)
        try await client.send(text: #"421["echo",1,"two"]"#)
        #expect(await client.nextText() == #"431[1,"two"]"#)
        try await client.send(text: #"451-3["echo",{"_placeholder":true,"num":0}]"#)
        try await client.send(binary: [9, 8, 7])
        #expect(await client.nextText() == #"461-3[{"_placeholder":true,"num":0}]"#)
        #expect(await client.next() == .init(opcode: 0x2, payload: [9, 8, 7]))
        await client.close()
        await app.io.engine.waitUntilNoSessions()
        #expect(app.io.engine.sessionCount == 0)
    }

    @Test func upgradeFromPollingToWebSocket() async throws {
        let app = try await HummingbirdApp.start()
        defer { app.stop() }
        let sid = try await app.pollingSession()
        let waiting = Task { try await app.http("GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)") }
        let socket = try await LiveWebSocketClient.connect(port: app.port, path: "/socket.io/?EIO=4&transport=websocket&sid=\(sid)")
        try await socket.send(text: "2probe")
        #expect(await socket.nextText() == "3probe")
        // The waiting poll is released with a noop so the client can switch.
        #expect(try await waiting.value.body == "6")
        try await socket.send(text: "5")
        try await socket.send(text: #"427["echo","upgraded"]"#)
        #expect(await socket.nextText() == #"437["upgraded"]"#)
        // Polling is refused once upgraded.
        #expect(try await app.http("GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)").status == 400)
        await socket.close()
    }

    @Test func roomsAcrossTransports() async throws {
        let app = try await HummingbirdApp.start()
        defer { app.stop() }
        let sid = try await app.pollingSession()
        #expect(try await app.http("POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: #"421["join","r"]"#).body == "ok")
        #expect(try await app.http("GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)").body == "431[true]")
        let client = try await LiveWebSocketClient.connect(port: app.port)
        _ = await client.nextText()
        try await client.send(text: "40")
        _ = await client.nextText()
        try await client.send(text: #"42["say","r","from websocket"]"#)
        #expect(try await app.http("GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)").body == #"42["said","from websocket"]"#)
        await client.close()
    }

    @Test func corsPreflightAndHeaders() async throws {
        var configuration = SocketIOConfiguration()
        configuration.engine.cors = CORSConfiguration(origins: .list(["https://app.example"]), maxAge: 600)
        let app = try await HummingbirdApp.start(configuration: configuration)
        defer { app.stop() }
        let preflight = try await app.http(
            "OPTIONS",
            "/socket.io/?EIO=4&transport=polling",
            headers: [("Origin", "https://app.example"), ("Access-Control-Request-Headers", "x-token")]
        )
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-origin") == "https://app.example")
        #expect(preflight.header("access-control-allow-headers") == "x-token")
        #expect(preflight.header("access-control-max-age") == "600")
        let open = try await app.http("GET", "/socket.io/?EIO=4&transport=polling", headers: [("Origin", "https://app.example")])
        #expect(open.header("access-control-allow-origin") == "https://app.example")
    }

    @Test func heartbeatClosesSilentWebSocketClients() async throws {
        var configuration = SocketIOConfiguration()
        configuration.engine.pingInterval = .milliseconds(100)
        // A second for the pong: with 100 ms, a stalled 2-core machine fired both timers in one
        // tick, and the close overtook the ping on Hummingbird's outbound writer.
        configuration.engine.pingTimeout = .seconds(1)
        let app = try await HummingbirdApp.start(configuration: configuration)
        defer { app.stop() }
        let client = try await LiveWebSocketClient.connect(port: app.port, answerPings: false)
        _ = await client.nextText()
        #expect(await client.nextText() == "2")
        #expect(await client.waitForClose())
        await app.io.engine.waitUntilNoSessions()
        #expect(app.io.engine.sessionCount == 0)
    }

    @Test func headerHooksAndTheStickyCookieOnEveryTransport() async throws {
        var configuration = SocketIOConfiguration()
        configuration.engine.cookie = CookieConfiguration()
        configuration.engine.initialHeaders = { headers, _ in headers.add(name: "set-cookie", value: "app=1; Path=/") }
        configuration.engine.headers = { headers, request in
            headers.add(name: "x-every", value: request.query["transport"] ?? "?")
            // What the request sent, copied as is: CR LF in it must not reach the wire.
            if let echo = request.query["echo"] { headers.add(name: "x-echo", value: echo) }
        }
        let app = try await HummingbirdApp.start(configuration: configuration)
        defer { app.stop() }
        let open = try await app.http("GET", "/socket.io/?EIO=4&transport=polling&echo=a%0D%0ASet-Cookie:%20evil=1")
        #expect(open.status == 200)
        let sid = String(open.body.dropFirst(#"0{"sid":""#.count).prefix { $0 != "\"" })
        #expect(open.headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1) == ["io=\(sid); Path=/; HttpOnly; SameSite=Lax", "app=1; Path=/"])
        #expect(open.header("x-every") == "polling")
        #expect(open.header("x-echo") == nil)
        #expect(open.header("cache-control") == "no-store")
        let post = try await app.http("POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: "40")
        #expect(post.header("x-every") == "polling")
        #expect(post.header("set-cookie") == nil)
        let poll = try await app.http("GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)")
        #expect(poll.header("x-every") == "polling")
        #expect(poll.header("set-cookie") == nil)
        // The upgrade's 101 runs `headers` only.
        let probe = try await LiveWebSocketClient.connect(port: app.port, path: "/socket.io/?EIO=4&transport=websocket&sid=\(sid)")
        let upgrade = try #require(await probe.upgradeResponse())
        #expect(upgrade.status == 101)
        #expect(upgrade.header("x-every") == "websocket")
        #expect(upgrade.header("set-cookie") == nil)
        await probe.close()
        // A WebSocket-only handshake gets the sticky cookie with its session's id, and both hooks.
        let direct = try await LiveWebSocketClient.connect(port: app.port)
        let switching = try #require(await direct.upgradeResponse())
        let opened = try #require(await direct.nextText())
        let directSID = String(opened.dropFirst(#"0{"sid":""#.count).prefix { $0 != "\"" })
        #expect(switching.status == 101)
        #expect(
            switching.headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1) == [
                "io=\(directSID); Path=/; HttpOnly; SameSite=Lax", "app=1; Path=/",
            ]
        )
        #expect(switching.header("x-every") == "websocket")
        await direct.close()
    }
}
