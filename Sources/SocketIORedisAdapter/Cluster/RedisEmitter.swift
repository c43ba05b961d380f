public import Logging
public import NIOCore
public import NIOPosix
public import SocketIO
public import SocketIOProtocol

/// Sends to a cluster's clients from a process that is not a Socket.IO server (a worker, a cron
/// job), the way Node's `@socket.io/redis-emitter` does: broadcasts and `socketsJoin`,
/// `socketsLeave`, `disconnectSockets` and `serverSideEmit` requests in the redis-adapter's
/// format, with uid `emitter`. Swift and Node servers both act on them.
///
/// ```swift
/// let emitter = try RedisEmitter(url: RedisURL("redis://127.0.0.1:6379/0"))
/// Task { await emitter.run() }
/// try emitter.to("room1").emit("news", Headline(text: "hello"))
/// emitter.of("/admin").in("room2").socketsJoin("room3")
/// ```
///
/// Like the adapter, it never queues: while Redis is away, messages are dropped and counted.
public struct RedisEmitter: Sendable {
    let pubsub: any ClusterPubSub
    let client: RedisPubSubClient?
    let key: String
    let namespace: String
    var options = BroadcastOptions()

    /// Connects to `url` (publishing only) with key prefix `key`.
    public init(
        url: RedisURL,
        key: String = "socket.io",
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "socketio.redis-emitter")
    ) {
        let client = RedisPubSubClient(
            url: url,
            eventLoopGroup: eventLoopGroup,
            clientName: url.clientName.map { "\($0)-emitter" } ?? "socketio-emitter",
            subscribes: false,
            logger: logger
        )
        self.init(pubsub: client, client: client, key: key, namespace: "/")
    }

    /// An emitter on any pub/sub (tests use an in-memory broker).
    public init(pubsub: any ClusterPubSub, key: String = "socket.io") {
        self.init(pubsub: pubsub, client: nil, key: key, namespace: "/")
    }

    private init(pubsub: any ClusterPubSub, client: RedisPubSubClient?, key: String, namespace: String) {
        self.pubsub = pubsub
        self.client = client
        self.key = key
        self.namespace = namespace
    }

    /// Keeps the Redis connection up until the calling task is cancelled.
    public func run() async { await self.client?.run() }

    /// Messages dropped because Redis was away.
    public var droppedPublishes: Int { self.client?.droppedPublishes ?? 0 }

    /// The same emitter on another namespace (a missing leading slash is added).
    public func of(_ namespace: String) -> RedisEmitter {
        RedisEmitter(pubsub: self.pubsub, client: self.client, key: self.key, namespace: namespace.hasPrefix("/") ? namespace : "/" + namespace)
    }

    /// Also reach the sockets in `room`.
    public func to(_ room: Room) -> RedisEmitter {
        var copy = self
        copy.options.rooms.insert(room)
        return copy
    }

    /// Same as ``to(_:)``.
    public func `in`(_ room: Room) -> RedisEmitter { self.to(room) }

    /// Leave out the sockets in `room`.
    public func except(_ room: Room) -> RedisEmitter {
        var copy = self
        copy.options.except.insert(room)
        return copy
    }

    /// Drop for clients that cannot take it now.
    public var volatile: RedisEmitter {
        var copy = self
        copy.options.flags.volatile = true
        return copy
    }

    /// Events a server emits on its own; the emitter refuses them, as Node's does.
    static let reservedEvents: Set<String> = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]

    /// Emits to every matching socket of every server.
    /// - Throws: ``/SocketIO/AdapterError`` for a reserved event name.
    public func emit(_ event: String, arguments: [SocketIOValue]) throws {
        guard !Self.reservedEvents.contains(event) else { throw AdapterError.unsupported("emitting the reserved event '\(event)'") }
        let packet = SocketIOPacket.event(event, arguments, namespace: self.namespace)
        let channels = NodeAdapterWire.Channels(key: self.key, namespace: self.namespace)
        self.pubsub.publish(
            channels.channel(for: self.options),
            NodeAdapterWire.encodeBroadcast(uid: "emitter", packet: packet, options: self.options)
        )
    }

    /// Emits `Encodable` arguments to every matching socket of every server.
    public func emit<each T: Encodable & Sendable>(_ event: String, _ values: repeat each T) throws {
        try self.emit(event, arguments: try SocketIOValueEncoder().encodeArguments(repeat each values))
    }

    /// Makes the matching sockets join `rooms`.
    public func socketsJoin(_ rooms: Room...) {
        self.request(.remoteJoin, ["rooms": .array(rooms.map(SocketIOValue.string))])
    }

    /// Makes the matching sockets leave `rooms`.
    public func socketsLeave(_ rooms: Room...) {
        self.request(.remoteLeave, ["rooms": .array(rooms.map(SocketIOValue.string))])
    }

    /// Disconnects the matching sockets; with `close`, their connections too.
    public func disconnectSockets(close: Bool = false) {
        self.request(.remoteDisconnect, ["close": .bool(close)])
    }

    /// Sends an event to every server's ``/SocketIO/Namespace/onServerSideEmit(_:_:)`` handlers
    /// (no acks: an emitter cannot receive them).
    public func serverSideEmit(_ event: String, _ args: SocketIOValue...) {
        let channels = NodeAdapterWire.Channels(key: self.key, namespace: self.namespace)
        let request: SocketIOValue = ["type": .int(NodeAdapterWire.RequestType.serverSideEmit.rawValue), "data": .array([.string(event)] + args)]
        self.pubsub.publish(channels.request, NodeAdapterWire.json(request))
    }

    private func request(_ type: NodeAdapterWire.RequestType, _ fields: SocketIOObject) {
        var request = fields
        request["type"] = .int(type.rawValue)
        request["opts"] = NodeAdapterWire.optionsObject(self.options)
        let channels = NodeAdapterWire.Channels(key: self.key, namespace: self.namespace)
        self.pubsub.publish(channels.request, NodeAdapterWire.json(.object(request)))
    }
}
