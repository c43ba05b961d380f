import SocketIO
import SocketIOProtocol
import SocketIOTesting
import Testing

@testable import SocketIOAdmin

/// The admin namespace as the UI sees it (the events of Node's lib/index.ts), through an
/// in-process client; the UI itself, python-socketio and a Redis cluster are in
/// Tests/e2e/test_admin_ui.py and Tests/js/admin-ui-browser.cjs.
// Serialized: the cost-10 logins of `concurrentChecksAreCapped` fill NIO's shared thread pool,
// and the other tests' logins would wait behind them past their timeouts.
@Suite("Admin UI", .serialized)
struct AdminUITests {
    static let hash = BcryptHash.make(password: "s3cret", cost: 4).description

    static func server(mode: AdminUI.Mode = .development, readonly: Bool = false) throws -> SocketIOServer {
        let io = SocketIOServer()
        io.on("ping") { _, args in args }
        try io.instrument(auth: .basic(username: "admin", password: Self.hash), mode: mode, readonly: readonly)
        return io
    }

    static func login(_ io: SocketIOServer, password: String = "s3cret") async throws -> SocketIOTestClient {
        try await SocketIOTestClient.connect(to: io, namespace: "/admin", auth: ["username": "admin", "password": .string(password)])
    }

    @Test func wrongOrMissingCredentialsGetConnectError() async throws {
        let io = try Self.server()
        for auth: SocketIOValue? in [
            nil, ["username": "admin", "password": "wrong"], ["username": "root", "password": "s3cret"], ["username": 1, "password": ["x"]],
        ] {
            await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "invalid credentials", data: nil)) {
                _ = try await SocketIOTestClient.connect(to: io, namespace: "/admin", auth: auth)
            }
        }
    }

    @Test func userNamesCompareWholly() {
        // Lengths differing by 256 once passed, the missing bytes read as NUL (review of issue 14).
        #expect(AdminUI.constantTimeEquals("admin", "admin"))
        #expect(!AdminUI.constantTimeEquals("admin" + String(repeating: "\0", count: 256), "admin"))
        #expect(!AdminUI.constantTimeEquals("admin", "admin" + String(repeating: "\0", count: 512)))
        #expect(!AdminUI.constantTimeEquals("admin", "admim"))
        #expect(!AdminUI.constantTimeEquals("", "a"))
    }

    @Test func loginSendsSessionConfigSocketsAndStats() async throws {
        let io = try Self.server()
        let user = try await SocketIOTestClient.connect(to: io)
        let userID = try #require(user.id)
        io.sockets.socket(id: userID)?.join("lobby")
        let admin = try await Self.login(io)
        let session = try await admin.next("session").args.first?.stringValue
        #expect(session?.utf8.count == 16)
        let config = try await admin.next("config").args.first
        #expect(
            config?["supportedFeatures"] == [
                "EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS",
            ]
        )
        let sockets = try await admin.next("all_sockets").args.first?.arrayValue ?? []
        let listed = try #require(sockets.first { $0["id"]?.stringValue == userID })
        #expect(listed["nsp"] == "/")
        #expect(listed["rooms"] == .array([.string("lobby"), .string(userID)].sorted { $0.stringValue! < $1.stringValue! }))
        #expect(listed["transport"] == "in-memory")
        #expect(listed["clientId"]?.stringValue?.utf8.count == 12)
        #expect(listed["data"] == [:])
        #expect(listed["handshake"]?["auth"] == nil)
        let stats = try await admin.next("server_stats").args.first
        #expect(stats?["clientsCount"] == 2)
        #expect(stats?["namespaces"]?.arrayValue?.contains(["name": "/", "socketsCount": 1]) == true)

        // The session id lets the UI back in without the password.
        let again = try await SocketIOTestClient.connect(to: io, namespace: "/admin", auth: ["sessionId": .string(session ?? "")])
        #expect(again.isConnected)
        await #expect(throws: SocketIOTestClient.ConnectionError.self) {
            _ = try await SocketIOTestClient.connect(to: io, namespace: "/admin", auth: ["sessionId": "0123456789abcdef"])
        }
    }

    @Test func developmentModeReportsConnectionsRoomsEventsAndDisconnections() async throws {
        let io = try Self.server()
        let admin = try await Self.login(io)
        _ = try await admin.next("all_sockets")
        let user = try await SocketIOTestClient.connect(to: io)
        let id = try #require(user.id)
        var connected = try await admin.next("socket_connected").args
        if connected.first?["nsp"] == "/admin" { connected = try await admin.next("socket_connected").args }  // the admin itself
        #expect(connected.first?["id"] == .string(id))
        io.sockets.socket(id: id)?.join("red")
        var joined = try await admin.next("room_joined").args
        if joined[1] == .string(id) { joined = try await admin.next("room_joined").args }  // its own room first
        #expect(Array(joined.prefix(3)) == ["/", "red", .string(id)])
        _ = try await user.emitWithAck("ping", "hello")
        let received = try await admin.next("event_received").args
        #expect(Array(received.prefix(3)) == ["/", .string(id), ["ping", "hello"]])
        try io.sockets.socket(id: id)?.emit("news", 42)
        let sent = try await admin.next("event_sent").args
        #expect(Array(sent.prefix(3)) == ["/", .string(id), ["news", 42]])
        await user.disconnect()
        let gone = try await admin.next("socket_disconnected").args
        #expect(Array(gone.prefix(3)) == ["/", .string(id), "client namespace disconnect"])
    }

    @Test func productionModeSendsNoEvents() async throws {
        let io = try Self.server(mode: .production)
        let admin = try await Self.login(io)
        let config = try await admin.next("config").args.first
        #expect(config?["supportedFeatures"]?.arrayValue?.contains("ALL_EVENTS") == false)
        let user = try await SocketIOTestClient.connect(to: io)
        _ = try await user.emitWithAck("ping", "hello")
        _ = try await admin.next("server_stats", timeout: .seconds(5))
        #expect(!admin.receivedEvents.contains { ["all_sockets", "socket_connected", "event_received"].contains($0.name) })
    }

    @Test func commandsJoinLeaveEmitAndDisconnect() async throws {
        let io = try Self.server()
        let user = try await SocketIOTestClient.connect(to: io)
        let id = try #require(user.id)
        let admin = try await Self.login(io)
        _ = try await admin.next("all_sockets")
        admin.emit("join", "/", "blue", .string(id))
        try await Self.eventually { io.sockets.socket(id: id)?.rooms.contains("blue") == true }
        admin.emit("emit", "/", "blue", "hello", 1, "two")
        let hello = try await user.next("hello")
        #expect(hello.args == [1, "two"])
        admin.emit("leave", "/", "blue", .null)
        try await Self.eventually { io.sockets.socket(id: id)?.rooms.contains("blue") == false }
        admin.emit("_disconnect", "/", false, .string(id))
        try await user.waitUntilDisconnected()
    }

    @Test func garbageCommandsAreIgnored() async throws {
        let io = try Self.server()
        let user = try await SocketIOTestClient.connect(to: io)
        let id = try #require(user.id)
        let admin = try await Self.login(io)
        _ = try await admin.next("all_sockets")
        let namespacesBefore = io.namespaces.count
        admin.emit("_disconnect")
        admin.emit("_disconnect", "/", "yes", .string(id))
        admin.emit("_disconnect", 1, false)
        admin.emit("_disconnect", "/nope", false)
        admin.emit("join", "/", ["not", "a", "room"])
        admin.emit("join", "/", "", .string(id))
        admin.emit("join", "/", "x", 42)
        admin.emit("leave", .null, "x")
        admin.emit("emit", "/", .null)
        admin.emit("emit", "/", .null, "")
        admin.emit("emit", "/", 3, "ev")
        admin.emit("emit", "/", .null, "disconnect")
        admin.emit("emit", "/", .null, "connect", "x")
        admin.emit("emit", "/", .string(String(repeating: "r", count: 5000)), "ev")
        // Commands run in order: once this one has, the garbage before it has been handled.
        admin.emit("join", "/", "barrier", .string(id))
        try await Self.eventually { io.sockets.socket(id: id)?.rooms.contains("barrier") == true }
        #expect(user.isConnected)
        #expect(admin.isConnected)
        #expect(io.sockets.socket(id: id)?.rooms == [id, "barrier"])
        #expect(io.namespaces.count == namespacesBefore)  // "/nope" was not created
        #expect(!user.receivedEvents.contains { ["ev", "disconnect", "connect"].contains($0.name) })
    }

    @Test func readonlyRefusesCommands() async throws {
        let io = try Self.server(readonly: true)
        let user = try await SocketIOTestClient.connect(to: io)
        let id = try #require(user.id)
        let admin = try await Self.login(io)
        let config = try await admin.next("config").args.first
        #expect(config?["supportedFeatures"] == ["AGGREGATED_EVENTS", "ALL_EVENTS"])
        admin.emit("_disconnect", "/", false, .string(id))
        admin.emit("join", "/", "blue", .string(id))
        _ = try await admin.next("server_stats")
        try await Task.sleep(for: .milliseconds(200))
        #expect(user.isConnected)
        #expect(io.sockets.socket(id: id)?.rooms == [id])
    }

    @Test func noAuthenticationLetsAnyoneIn() async throws {
        let io = SocketIOServer()
        try io.instrument(auth: nil, namespace: "/socket-admin")
        let admin = try await SocketIOTestClient.connect(to: io, namespace: "/socket-admin")
        #expect(try await admin.next("config").args.first?["supportedFeatures"]?.arrayValue?.count == 9)
    }

    @Test(arguments: ["changeit", "", "$2b$99$Pll.M0Qgk/WDb5QJ8yLp5.Zy6LvA9lLrmagFcPp8P6KS0pbvTuWc6", String(repeating: "$2b$", count: 10_000)])
    func aBadHashIsRefusedAtStart(_ password: String) {
        #expect(throws: BcryptError.self) { try SocketIOServer().instrument(auth: .basic(username: "admin", password: password)) }
    }

    @Test func statsCountSessionsOpenedAndClosed() async throws {
        let io = try Self.server(mode: .production)
        let admin = try await Self.login(io)
        _ = try await admin.next("server_stats")
        let user = try await SocketIOTestClient.connect(to: io)
        await user.disconnect()
        var seen: [SocketIOValue] = []
        for _ in 0..<3 where !seen.contains(where: { $0["type"] == "rawDisconnection" }) {
            seen += try await admin.next("server_stats").args.first?["aggregatedEvents"]?.arrayValue ?? []
        }
        #expect(seen.contains { $0["type"] == "rawConnection" && $0["count"] == 1 })
        #expect(seen.contains { $0["type"] == "rawDisconnection" && $0["subType"] != nil })
        #expect(seen.allSatisfy { ($0["timestamp"]?.intValue ?? 1) % 1000 == 0 })
    }

    @Test func aggregatedEventsAddUpPerSecondAndStayBounded() {
        var events = AggregatedEvents()
        events.push("rawConnection", at: 10_100)
        events.push("rawConnection", at: 10_900)
        events.push("rawConnection", at: 11_000)
        events.push("rawDisconnection", subType: "ping timeout", at: 11_500)
        let taken = events.takeAll()
        #expect(
            taken.map { "\($0.timestamp) \($0.type) \($0.subType ?? "-") \($0.count)" } == [
                "10000 rawConnection - 2", "11000 rawConnection - 1", "11000 rawDisconnection ping timeout 1",
            ]
        )
        #expect(events.takeAll().isEmpty)
        for second in 0..<(AggregatedEvents.maxKeys + 50) { events.push("rawConnection", at: Int64(second) * 1000) }
        #expect(events.takeAll().count == AggregatedEvents.maxKeys)
    }

    @Test func repeatedFailuresAreRateLimited() {
        var limiter = LoginLimiter()
        let start = ContinuousClock.now
        for _ in 0..<LoginLimiter.maxFailures {
            #expect(limiter.allowing("10.0.0.1", now: start))
            limiter.failed("10.0.0.1", now: start)
        }
        #expect(!limiter.allowing("10.0.0.1", now: start + .seconds(59)))
        #expect(limiter.allowing("10.0.0.2", now: start + .seconds(59)))
        #expect(limiter.allowing("10.0.0.1", now: start + .seconds(60)))
    }

    @Test func theLimiterAndSessionsStayBounded() {
        var limiter = LoginLimiter()
        var sessions = AdminSessions()
        let start = ContinuousClock.now
        for index in 0..<(LoginLimiter.maxAddresses + 10) { limiter.failed("a\(index)", now: start) }
        for index in 0..<(AdminSessions.maxSessions + 10) { sessions.insert("s\(index)", now: start + .milliseconds(index)) }
        #expect(sessions.contains("s\(AdminSessions.maxSessions + 9)", now: start + .seconds(1)))
        #expect(!sessions.contains("s0", now: start + .seconds(1)))
        #expect(!sessions.contains("s\(AdminSessions.maxSessions + 9)", now: start + AdminSessions.lifetime + .seconds(2)))
    }

    @Test func tooManyFailedLoginsAreRefusedWithoutACheck() async throws {
        let io = try Self.server()
        for _ in 0..<LoginLimiter.maxFailures {
            _ = try? await Self.login(io, password: "wrong")
        }
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "too many failed logins, try again later", data: nil)) {
            _ = try await Self.login(io)
        }
    }

    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<100 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition never held")
    }
}

extension LoginLimiter {
    /// ``allow(_:now:)`` on a copy, for `#expect`.
    func allowing(_ address: String, now: ContinuousClock.Instant) -> Bool {
        var copy = self
        return copy.allow(address, now: now)
    }
}

extension AdminUITests {
    @Test func concurrentChecksAreCapped() async throws {
        // Cost 8: each check takes long enough (about half a second in a debug build) that the
        // attempts overlap; the ones past the cap are refused at once.
        let slow = SocketIOServer()
        let hash = try BcryptHash("$2b$08$" + String(repeating: "a", count: 53))
        try slow.instrument(auth: .basic(username: "admin", password: hash.description))
        let refusals = await withTaskGroup(of: String?.self) { group in
            for index in 0..<(AdminUI.maxConcurrentChecks + 4) {
                group.addTask {
                    do {
                        _ = try await SocketIOTestClient.connect(
                            to: slow,
                            namespace: "/admin",
                            auth: ["username": "admin", "password": "wrong"],
                            headers: [("x-index", "\(index)")],
                            timeout: .seconds(120)
                        )
                        return nil
                    } catch SocketIOTestClient.ConnectionError.refused(let message, _) {
                        return message
                    } catch {
                        return "error: \(error)"
                    }
                }
            }
            var messages: [String] = []
            for await message in group { messages.append(message ?? "connected") }
            return messages
        }
        #expect(refusals.contains("too many logins in progress, try again later"))
        #expect(refusals.allSatisfy { ["too many logins in progress, try again later", "invalid credentials"].contains($0) }, "\(refusals)")
    }
}
