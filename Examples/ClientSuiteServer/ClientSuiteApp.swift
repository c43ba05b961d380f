// The server the official socket.io-client test suite runs against (its
// `test/support/server.ts`), written as a user would: `import SocketIO` alone, no SwiftNIO, no
// Foundation, no workaround (issue 15, "one import, no workarounds"). Each part is marked with
// the item of that list it shows:
//
//   [one import]  `import SocketIO` gives SocketIOValue, the configuration types and HTTPServer.
//   [binary]      `[UInt8]` in and out: `doge`/`getbin` send bytes, `buffa`/`jsonbuff`/`abuff*`/
//                 `blob*` receive them, as `[UInt8]` fields of `Decodable` types or `bytesValue`.
//   [dates]       `SocketIODate` is `Codable` as `Date.toJSON()` text: `getAckDate`, `getDate`,
//                 `getDateObj` (what `new Date()` gives the Node server).
//   [handshake]   `socket.handshake` is Node's object: `/abc` emits it, `getHandshake` acks it.
//   [ack closure] `ack` emits with a reply closure, as Node's `socket.emit("ack", (a, b) => …)`;
//                 `askBack` awaits `emitWithAck` inside its handler without holding up the
//                 socket's next events (not in the official suite: the case of issue 15).
//   [typed data]  the order checks of `abuff*` and `blob*` keep per-socket state in a
//                 `SocketData` struct, where Node's closure variables live.
//
// Checked by the official suite itself: Tests/js/run-client-suite.sh runs its test/socket.ts,
// connection-state-recovery.ts and retry.ts with mocha and the official client against this
// server (53 tests, in scripts/test.sh), Tests/js/client-suite-example.cjs checks the parts
// above over each transport, and Tests/ExamplesTests drives it in process.
import SocketIO

/// The suite's per-socket flags (`receivedAbuff1`, `receivedblob1`, `receivedblob2` in
/// `server.ts`). [typed data]
struct SuiteSession: SocketData {
    var receivedAbuff1 = false
    var receivedBlob1 = false
    var receivedBlob2 = false
}

/// `{hello, message, goodbye}` with a binary `message`: `jsonbuff` and `jsonblob`. [binary]
struct MixedBinary: Decodable, Sendable {
    var hello: String
    var message: [UInt8]
    var goodbye: String
}

/// `{date: new Date()}`. [dates]
struct DateObject: Encodable, Sendable {
    var date: SocketIODate
}

/// The suite's configuration: Node's `new Server(3210, {pingInterval: 2000,
/// connectionStateRecovery: {}, allowRequest: 10 ms delay})`. [one import]
func clientSuiteConfiguration() -> SocketIOConfiguration {
    var configuration = SocketIOConfiguration()
    configuration.engine.pingInterval = .seconds(2)
    configuration.connectionStateRecovery = ConnectionStateRecovery()
    // A fixed delay, so that the client's connection timeout can be tested.
    configuration.engine.allowRequest = { _ in
        try? await Task.sleep(for: .milliseconds(10))
        return .allow
    }
    return configuration
}

/// The handlers of `server.ts`, on `io`.
func installClientSuiteHandlers(on io: SocketIOServer) {
    io.of("/foo").on("getId") { socket, _ in [.string(socket.id)] }
    for name in ["/timeout_socket", "/valid", "/asd"] {
        io.of(name).onConnection { _ in }  // registers the namespace
    }
    io.of("/abc").onConnection { socket in
        try? socket.emit("handshake", socket.handshake.jsonValue)  // [handshake]
    }
    io.use { socket, _ in
        if socket.handshake.query["fail"] != nil { throw ConnectError(message: "Auth failed (main namespace)") }
    }
    io.of("/no").use { _, _ in throw ConnectError(message: "Auth failed (custom namespace)") }

    io.on("hi") { socket, _ in
        try socket.emit("hi")
        return nil
    }
    io.on("echo") { _, args in Array(args.prefix(1)) }

    // [ack closure] Node: `socket.emit("ack", (a, b) => { if (a === 5 && b.test) … })`.
    io.on("ack") { socket, _ in
        try socket.emit("ack") { reply in
            if reply.first == 5, reply.count > 1, reply[1]["test"]?.boolValue == true {
                try? socket.emit("got it")
            }
        }
        return nil
    }
    // [ack closure] A handler that awaits the client's ack: the client may answer only after
    // a later event (`askBack-release`) has had its reply.
    io.on("askBack") { (socket: Socket, question: String) async throws -> SocketIOValue in
        let answer = try await socket.timeout(.seconds(5)).emitWithAck("question", .string(question))
        return answer.first ?? .null
    }
    io.on("askBack-release") { _, _ in ["released"] }

    // [dates]
    io.on("getAckDate") { (_: Socket, _: SocketIOValue) in SocketIODate.now }
    io.on("getDate") { socket, _ in
        try socket.emit("takeDate", SocketIODate.now)
        return nil
    }
    io.on("getDateObj") { socket, _ in
        try socket.emit("takeDateObj", DateObject(date: .now))
        return nil
    }

    io.on("getUtf8") { socket, _ in
        for text in ["てすと", "Я Б Г Д Ж Й", "Ä ä Ü ü ß", "utf8 — string", "utf8 — string"] {
            try socket.emit("takeUtf8", .string(text))
        }
        return nil
    }
    io.on("false") { socket, _ in
        try socket.emit("false", false)
        return nil
    }

    // [binary] Out as `[UInt8]`, in as `[UInt8]` (a typed argument or `bytesValue`).
    io.on("doge") { socket, _ in
        try socket.emit("doge", Array("asdfasdf".utf8))
        return nil
    }
    io.on("buffa") { socket, args in
        if args.first?.bytesValue != nil { try socket.emit("buffack") }
        return nil
    }
    io.on("jsonbuff") { (socket: Socket, value: MixedBinary) in
        guard value.hello == "lol", value.goodbye == "gotcha" else { return }
        try socket.emit("jsonbuff-ack")
    }
    io.on("abuff1") { (socket: Socket, _: [UInt8]) in
        socket.withData(SuiteSession.self) { $0.receivedAbuff1 = true }  // [typed data]
    }
    io.on("abuff2") { socket, _ in
        if socket.data(as: SuiteSession.self).receivedAbuff1 { try socket.emit("abuff2-ack") }
        return nil
    }
    io.on("blob") { socket, args in
        if args.first?.bytesValue != nil { try socket.emit("back") }
        return nil
    }
    io.on("jsonblob") { (socket: Socket, value: MixedBinary) in
        guard value.hello == "lol", value.goodbye == "gotcha" else { return }
        try socket.emit("jsonblob-ack")
    }
    io.on("blob1") { (socket: Socket, _: [UInt8]) in
        socket.withData(SuiteSession.self) { $0.receivedBlob1 = true }
    }
    io.on("blob2") { (socket: Socket, text: String) in
        socket.withData(SuiteSession.self) { $0.receivedBlob2 = $0.receivedBlob1 && text == "second" }
    }
    io.on("blob3") { (socket: Socket, _: [UInt8]) in
        let session = socket.data(as: SuiteSession.self)
        if session.receivedBlob1, session.receivedBlob2 { try socket.emit("blob3-ack") }
    }
    io.on("getbin") { socket, _ in
        try socket.emit("takebin", Array("asdfasdf".utf8))
        return nil
    }
    io.on("getHandshake") { socket, _ in [socket.handshake.jsonValue] }  // [handshake]
    io.on("getId") { socket, _ in [.string(socket.id)] }
}
