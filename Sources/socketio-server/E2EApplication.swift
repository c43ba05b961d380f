import EngineIO
import SocketIO
import SocketIOProtocol

/// The app the end-to-end tests and benchmarks drive (issue #2, `socketio-server e2e`).
///
/// `/` greets with `welcome`, and both `/` and `/admin` (token `secret` only) answer `echo`,
/// `nsp`, `join`, `leave`, `to_room`, `room_size` (cluster-wide), `sockets_join` (any server's
/// sockets), `server_count`, `broadcast`, and for connection state recovery `whoami`, `set_data`
/// and `drop_transport`, `message` (answered with `send`) and `fail` (throws: /admin's own error
/// handler reports it, `/`'s the server's default); `/` also has `ask_me` and `kick`, and with `--cookie` `cookies_seen`
/// (the requests ``E2EHeaderHooks`` recorded for an Engine.IO sid).
enum E2EApplication {
    /// What `fail` throws, for the error handler tests.
    struct HandlerFailure: Error {}

    static func install(on io: SocketIOServer, headerHooks: E2EHeaderHooks? = nil) {
        let main = io.of("/")
        installCommonHandlers(on: main)
        if let headerHooks {
            main.on("cookies_seen") { _, args in
                guard let sid = args.first?.stringValue else { return [.array([])] }
                return [headerHooks.take(sid: sid)]
            }
        }
        main.onConnection { socket in
            try? socket.emit("welcome", ["sid": .string(socket.id), "auth": socket.handshake.auth])
        }
        main.on("ask_me") { socket, args in
            // Node's `socket.timeout(5000).emit("question", q, (err, answer) => …)`: the reply
            // closure runs later on the socket's queue; this handler returns at once.
            let question = args.first ?? .null
            try socket.timeout(.seconds(5)).emit("question", question) { result in
                let answer: SocketIOValue
                switch result {
                case .success(let reply): answer = reply.first ?? .null
                case .failure: answer = ["error": "timeout"]
                }
                try? socket.emit("answer", answer)
            }
            return nil
        }
        // An ack that times out in 200 ms, for the metrics test (issue 14): the client answers
        // late. Awaited in the handler: the socket's next events are not held up meanwhile.
        main.on("ask_briefly") { socket, _ in
            let answered = (try? await socket.emitWithAck("question", "quick?", timeout: .milliseconds(200))) != nil
            try? socket.emit("answer", answered ? "answered" : ["error": "timeout"])
            return nil
        }
        // Node's `socket.handshake` as JSON (issue 15): `secure` is checked over TLS.
        main.on("handshake") { socket, _ in [socket.handshake.jsonValue] }
        // Cluster calls for the interop tests with Node servers (issue 5).
        io.onServerSideEmit("ping") { args in .string("swift pong \(args.first?.stringValue ?? "")") }
        main.on("server_side_ping") { socket, _ in
            [.array(try await socket.namespace.serverSideEmitWithAck("ping", "from swift", timeout: .seconds(3)))]
        }
        main.on("vote_all") { socket, _ in
            [.array(try await socket.namespace.timeout(.seconds(3)).emitWithAck("vote"))]
        }
        main.on("kick") { socket, _ in
            socket.disconnect()
            return nil
        }
        // Compression (issue 14 item 4): a 10 KB JSON event, to this socket or to everyone, with
        // the compress flag as asked; and the server's compression counters.
        main.on("big_event") { socket, args in
            let compress = args.first?["compress"]?.boolValue ?? true
            // `seed` makes another page of records (the benchmark's distinct messages).
            let event = args.first?["seed"]?.intValue.map { Self.bigEvent(seed: $0) } ?? Self.bigEvent
            if args.first?["broadcast"]?.boolValue == true {
                socket.namespace.broadcastOperator.compress(compress).emit("big", event)
            } else {
                try? socket.compress(compress).emit("big", event)
            }
            return nil
        }
        main.on("compression_stats") { _, _ in
            [
                .object(
                    SocketIOObject(io.engine.compressionStats.snapshot.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .int($0.value)) })
                )
            ]
        }

        let admin = io.of("/admin")
        admin.use { _, auth in
            guard auth["token"] == "secret" else {
                throw ConnectError(message: "unauthorized", data: ["code": 401])
            }
        }
        installCommonHandlers(on: admin)

        // Flask-SocketIO's error handlers (issue 15): `fail` throws in either namespace; /admin
        // has its own handler (`@socketio.on_error('/admin')`), which wins, and `/` falls back
        // to the server's default (`@socketio.on_error_default`). Both tell the client.
        admin.onError { socket, event, _ in
            try? socket.emit("handler_error", ["by": "admin", "namespace": .string(socket.namespace.name), "event": .string(event)])
        }
        io.onErrorDefault { socket, event, _ in
            try? socket.emit("handler_error", ["by": "default", "namespace": .string(socket.namespace.name), "event": .string(event)])
        }
    }

    /// About 10 KB of realistic JSON (no long runs of one byte): the compression tests and
    /// benchmarks send it.
    static let bigEvent: SocketIOValue = bigEvent(seed: 0)

    /// Page `seed` of the records: the same shape, other values.
    static func bigEvent(seed: Int) -> SocketIOValue {
        let tags = ["admin", "beta", "mobile", "europe", "premium", "trial", "legacy", "api"]
        let names = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth", "Ken Thompson"]
        var users: [SocketIOValue] = []
        for row in 0..<56 {
            let index = row + seed * 56
            let name = names[index % names.count]
            users.append([
                "id": .int(100_003 + index * 7919),
                "name": .string("\(name) \(index)"),
                "email": .string("\(name.lowercased().split(separator: " ").joined(separator: "."))\(index)@example.org"),
                "score": .double(Double((index * 7_919) % 10_007) / 97.0),
                "active": .bool(index % 3 != 0),
                "tags": .array([.string(tags[index % tags.count]), .string(tags[(index * 5 + 3) % tags.count])]),
                "createdAt": .string(
                    "2026-\(String(1 + index % 12))-\(String(1 + (index * 11) % 28))T\(String(index % 24)):\(String((index * 17) % 60)):00Z"
                ),
            ])
        }
        return ["users": .array(users), "page": .int(seed + 1), "total": 56]
    }

    private static func installCommonHandlers(on namespace: Namespace) {
        namespace.on("echo") { _, args in args }
        namespace.on("nsp") { socket, _ in [.string(socket.namespace.name)] }
        namespace.on("join") { socket, args in
            guard let room = args.first?["room"]?.stringValue else { return [false] }
            socket.join(room)
            return [.string(room)]
        }
        namespace.on("leave") { socket, args in
            guard let room = args.first?["room"]?.stringValue else { return [false] }
            socket.leave(room)
            return [.string(room)]
        }
        namespace.on("to_room") { socket, args in
            guard let request = args.first, let room = request["room"]?.stringValue, let event = request["event"]?.stringValue else {
                return [false]
            }
            socket.namespace.to(room).emit(event, request["data"] ?? .null)
            return [true]
        }
        namespace.on("room_size") { socket, args in
            guard let room = args.first?["room"]?.stringValue else { return [0] }
            return [.int(try await socket.namespace.to(room).fetchSockets().count)]
        }
        namespace.on("sockets_join") { socket, args in
            guard let target = args.first?["target"]?.stringValue, let room = args.first?["room"]?.stringValue else { return [false] }
            socket.namespace.in(target).socketsJoin(room)
            return [true]
        }
        namespace.on("server_count") { socket, _ in
            [.int(try await socket.namespace.serverCount())]
        }
        // Connection state recovery (issue 13): what the socket has now, and a way to drop its
        // connection the way a network failure does (no DISCONNECT packet), from the server.
        namespace.on("whoami") { socket, _ in
            [
                [
                    "id": .string(socket.id), "recovered": .bool(socket.recovered), "rooms": .array(socket.rooms.sorted().map { .string($0) }),
                    "data": socket.data,
                ]
            ]
        }
        namespace.on("set_data") { socket, args in
            socket.data = args.first ?? .null
            return [true]
        }
        namespace.on("drop_transport") { socket, _ in
            socket.engine.close()
            return nil
        }
        // python-socketio's `send(data)` is the `message` event (issue 15): answered with
        // `send`, Flask-SocketIO's `send(data)` in a `@socketio.on('message')` handler, and acked.
        namespace.on("message") { socket, args in
            try socket.send(arguments: args)
            return args
        }
        namespace.on("fail") { _, _ in throw HandlerFailure() }
        namespace.on("broadcast") { socket, args in
            socket.namespace.emit("bcast", arguments: args)
            return nil
        }
    }
}
