import EngineIO
import Logging
import NIOCore
import SocketIO
import SocketIOProtocol

// What the UI is told about sockets, and the commands it sends (Node's `registerVerboseListeners`,
// `serialize` and `registerFeatureHandlers` in lib/index.ts).
extension AdminUI {
    // MARK: - Development mode: sockets, rooms and events

    /// Reports `namespace`'s sockets, rooms and events to the admin namespace.
    func observe(_ namespace: Namespace) {
        let admin = self.namespace
        let isAdmin = namespace === admin
        let name = namespace.name
        namespace.onConnection { socket in
            // As Node does, the transport and the start of the engine id ride in `socket.data`
            // (under `_admin`, hidden from the UI's data view), so that other servers'
            // `fetchSockets` carry them too.
            socket.data = Self.withAdminData(socket.data, clientID: String(socket.engine.id.prefix(12)), transport: socket.engine.transportName)
            admin.emit("socket_connected", Self.serialize(Self.details(of: socket), namespace: name), Self.now())
            if socket.engine.transportName == "polling" { Self.watchUpgrade(of: socket, admin: admin) }
            if !isAdmin {
                socket.onAny { socket, event, args in
                    admin.emit("event_received", .string(name), .string(socket.id), .array([.string(event)] + args), Self.now())
                }
                socket.onAnyOutgoing { [id = socket.id] event, args in
                    admin.emit("event_sent", .string(name), .string(id), .array([.string(event)] + args), Self.now())
                }
            }
            socket.onDisconnect { socket, reason in
                admin.emit("socket_disconnected", .string(name), .string(socket.id), .string(reason.rawValue), Self.now())
            }
        }
        let adapter = (namespace.adapter as? InMemoryAdapter) ?? (namespace.adapter as? any ClusterAdapter)?.local
        adapter?.onRoomChange { change in
            switch change {
            case .joined(let room, let id): admin.emit("room_joined", .string(name), .string(room), .string(id), Self.now())
            case .left(let room, let id): admin.emit("room_left", .string(name), .string(room), .string(id), Self.now())
            }
        }
    }

    /// Tells the UI when a polling socket upgrades to WebSocket (Node's `socket_updated` on the
    /// engine's `upgrade` event). The engine has no upgrade callback, so the socket's loop looks
    /// at its transport every half second until it changes, the socket goes, or the upgrade
    /// window (Node's `upgradeTimeout`, 10 s by default) is well past.
    static func watchUpgrade(of socket: Socket, admin: Namespace) {
        let deadline = NIODeadline.now() + .seconds(30)
        socket.engine.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(500), delay: .milliseconds(500)) { task in
            guard socket.connected, NIODeadline.now() < deadline else {
                task.cancel()
                return
            }
            let transport = socket.engine.transportName
            guard transport != "polling" else { return }
            task.cancel()
            socket.data = Self.withAdminData(socket.data, clientID: String(socket.engine.id.prefix(12)), transport: transport)
            admin.emit("socket_updated", ["id": .string(socket.id), "nsp": .string(socket.namespace.name), "transport": .string(transport)])
        }
    }

    /// `data` with `_admin: {clientId, transport}` added (an object, or `null` made one); any
    /// other value is left alone.
    static func withAdminData(_ data: SocketIOValue, clientID: String, transport: String) -> SocketIOValue {
        let admin: SocketIOValue = ["clientId": .string(clientID), "transport": .string(transport)]
        switch data {
        case .null: return ["_admin": admin]
        case .object(var object):
            object.entries.removeAll { $0.key == "_admin" }
            object.entries.insert(SocketIOObject.Entry(key: "_admin", value: admin), at: 0)
            return .object(object)
        default: return data
        }
    }

    static func details(of socket: Socket) -> SocketDetails {
        SocketDetails(id: socket.id, handshake: socket.handshake.nodeObject, rooms: socket.rooms, data: socket.data)
    }

    /// A socket as the UI wants it (Node's `serialize`): its id, `clientId` and `transport`
    /// from `data._admin`, the namespace, its data without `_admin`, the handshake without
    /// `auth` (it may hold credentials), and its rooms.
    static func serialize(_ socket: SocketDetails, namespace: String) -> SocketIOValue {
        let handshake = socket.handshake
        let headers = handshake["headers"]
        let address = headers?["cf-connecting-ip"] ?? headers?["x-forwarded-for"] ?? handshake["address"] ?? .null
        var data = socket.data
        if case .object(var object) = data {
            object.entries.removeAll { $0.key == "_admin" }
            data = .object(object)
        }
        return [
            "id": .string(socket.id),
            "clientId": socket.data["_admin"]?["clientId"] ?? .null,
            "transport": socket.data["_admin"]?["transport"] ?? .null,
            "nsp": .string(namespace),
            "data": data.isNull ? [:] : data,
            "handshake": [
                "address": address,
                "headers": headers ?? [:],
                "query": handshake["query"] ?? [:],
                "issued": handshake["issued"] ?? .null,
                "secure": handshake["secure"] ?? false,
                "time": handshake["time"] ?? .null,
                "url": handshake["url"] ?? .null,
                "xdomain": handshake["xdomain"] ?? false,
            ],
            "rooms": .array(socket.rooms.sorted().map { .string($0) }),
        ]
    }

    /// Node's `new Date()`, as JSON writes it.
    static func now() -> SocketIOValue {
        .string(ISO8601Time.string(milliseconds: Self.nowMilliseconds()))
    }

    static func nowMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    // MARK: - Commands

    /// The UI's commands (Node's `registerFeatureHandlers`, Socket.IO v4 forms). Each checks its
    /// arguments: anything but the documented types is ignored and logged, and a namespace that
    /// does not exist is not created (Node's `io.of(nsp)` would make one per name sent).
    func registerCommands(on socket: Socket) {
        socket.on("emit") { [self] socket, args -> [SocketIOValue]? in
            // emit(nsp, filter, event, ...args)
            guard args.count >= 3, let target = self.target(args[0], filter: args[1]), let event = args[2].stringValue, !event.isEmpty,
                !Self.reservedEvents.contains(event)
            else {
                self.refuse("emit", socket)
                return nil
            }
            target.emit(event, arguments: Array(args.dropFirst(3)))
            return nil
        }
        socket.on("join") { [self] socket, args -> [SocketIOValue]? in
            // join(nsp, room, filter?)
            guard args.count >= 2, let room = Self.room(args[1]), let target = self.target(args[0], filter: args.count > 2 ? args[2] : .null) else {
                self.refuse("join", socket)
                return nil
            }
            target.socketsJoin(room)
            return nil
        }
        socket.on("leave") { [self] socket, args -> [SocketIOValue]? in
            guard args.count >= 2, let room = Self.room(args[1]), let target = self.target(args[0], filter: args.count > 2 ? args[2] : .null) else {
                self.refuse("leave", socket)
                return nil
            }
            target.socketsLeave(room)
            return nil
        }
        socket.on("_disconnect") { [self] socket, args -> [SocketIOValue]? in
            // _disconnect(nsp, close, filter?)
            guard args.count >= 2, let close = args[1].boolValue, let target = self.target(args[0], filter: args.count > 2 ? args[2] : .null) else {
                self.refuse("_disconnect", socket)
                return nil
            }
            target.disconnectSockets(close: close)
            return nil
        }
    }

    /// The sockets a command names: an existing namespace, and a room (a socket id is a room)
    /// when `filter` is a non-empty string. `nil` for anything else.
    func target(_ namespace: SocketIOValue, filter: SocketIOValue) -> BroadcastOperator? {
        guard let name = namespace.stringValue, let found = self.server.namespaces.first(where: { $0.name == name }) else { return nil }
        switch filter {
        case .null: return found.broadcastOperator
        case .string(let room) where room.isEmpty: return found.broadcastOperator
        case .string(let room) where room.utf8.count <= 1024: return found.to(room)
        default: return nil
        }
    }

    /// The names Node's `emit` refuses ("is a reserved event name"): the client would take
    /// them for its own lifecycle events.
    static let reservedEvents: Set<String> = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]

    static func room(_ value: SocketIOValue) -> Room? {
        guard let room = value.stringValue, !room.isEmpty, room.utf8.count <= 1024 else { return nil }
        return room
    }

    func refuse(_ command: String, _ socket: Socket) {
        self.logger.notice("Admin UI command ignored: bad arguments", metadata: ["command": "\(command)", "sio.sid": "\(socket.id)"])
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
