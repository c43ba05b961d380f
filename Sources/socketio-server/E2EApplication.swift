import EngineIO
import SocketIO
import SocketIOProtocol

/// The app the end-to-end tests and benchmarks drive (issue #2, `socketio-server e2e`).
///
/// `/` greets with `welcome`, and both `/` and `/admin` (token `secret` only) answer `echo`,
/// `nsp`, `join`, `leave`, `to_room`, `room_size` (cluster-wide), `sockets_join` (any server's
/// sockets), `server_count`, `broadcast`, and for connection state recovery `whoami`, `set_data`
/// and `drop_transport`; `/` also has `ask_me` and `kick`, and with `--cookie` `cookies_seen`
/// (the requests ``E2EHeaderHooks`` recorded for an Engine.IO sid).
enum E2EApplication {
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
            // Ask back in a task of its own, so the socket's other events are not held up
            // while the client thinks.
            let question = args.first ?? .null
            Task {
                let answer: SocketIOValue
                do {
                    answer = try await socket.emitWithAck("question", question, timeout: .seconds(5)).first ?? .null
                } catch {
                    answer = ["error": "timeout"]
                }
                try? socket.emit("answer", answer)
            }
            return nil
        }
        // An ack that times out in 200 ms, for the metrics test (issue 14): the client answers late.
        main.on("ask_briefly") { socket, _ in
            Task {
                let answered = (try? await socket.emitWithAck("question", "quick?", timeout: .milliseconds(200))) != nil
                try? socket.emit("answer", answered ? "answered" : ["error": "timeout"])
            }
            return nil
        }
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

        let admin = io.of("/admin")
        admin.use { _, auth in
            guard auth["token"] == "secret" else {
                throw ConnectError(message: "unauthorized", data: ["code": 401])
            }
        }
        installCommonHandlers(on: admin)
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
        namespace.on("broadcast") { socket, args in
            socket.namespace.emit("bcast", arguments: args)
            return nil
        }
    }
}
