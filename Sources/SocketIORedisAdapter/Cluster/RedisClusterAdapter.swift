public import Logging
public import NIOCore
public import NIOPosix
public import ServiceLifecycle
public import SocketIO

/// Scales a ``/SocketIO/SocketIOServer`` out over Redis: the adapter of every namespace speaks
/// the protocol of Node's `@socket.io/redis-adapter` (classic pub/sub), so Swift and Node
/// servers form one cluster, `@socket.io/redis-emitter` reaches our clients, and, with
/// ``Configuration/pythonQueue``, so do Flask-SocketIO's `SocketIO(message_queue=…)` writers.
///
/// It is a ServiceLifecycle `Service`: its ``run()`` keeps the Redis connections up and holds
/// the subscriptions of every namespace, until a graceful shutdown or cancellation. Run it in
/// the same `ServiceGroup` as the server, before it, so that it stops after the server has
/// drained (a group shuts its services down in reverse order):
///
/// ```swift
/// let redis = RedisClusterAdapter(url: try RedisURL("redis://127.0.0.1:6379/0"))
/// let io = SocketIOServer(configuration: SocketIOConfiguration(adapter: redis))
/// let group = ServiceGroup(services: [redis, httpServer], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
///
/// While Redis is away, each server keeps serving its own clients; broadcasts to other servers
/// are dropped and counted (``droppedPublishes``), never queued, and requests to other servers
/// fail with ``/SocketIO/AdapterError``. Connections come back with backoff and resubscribe.
/// When ``run()`` ends, every request still waiting for other servers fails at once, and so
/// does every later one.
public final class RedisClusterAdapter: SocketIOAdapterFactory, Service, Sendable {
    /// Cluster settings; the defaults are Node's.
    public struct Configuration: Sendable {
        /// The channel prefix (Node's `key`): `socket.io`.
        public var key: String
        /// How long `fetchSockets()` and `serverSideEmitWithAck` wait for other servers
        /// (Node's `requestsTimeout`): 5 s.
        public var requestsTimeout: Duration
        /// The channel of a Flask-SocketIO / python-socketio message queue to bridge:
        /// Flask-SocketIO's default is `flask-socketio`, python-socketio's `socketio`. `nil`: none.
        public var pythonQueue: String?

        /// Settings; every default is Node's.
        ///
        /// - Parameters:
        ///   - key: the channel prefix; every node of one cluster uses the same.
        ///   - requestsTimeout: how long requests to other servers wait for their answers.
        ///   - pythonQueue: the channel of a Python message queue to bridge, or `nil`.
        public init(key: String = "socket.io", requestsTimeout: Duration = .seconds(5), pythonQueue: String? = nil) {
            self.key = key
            self.requestsTimeout = requestsTimeout
            self.pythonQueue = pythonQueue
        }
    }

    let context: ClusterContext
    /// The Redis client, when the adapter made it (``init(url:configuration:eventLoopGroup:logger:)``).
    private let redis: RedisPubSubClient?

    /// This node's id in the cluster (6 characters, as Node's uid2 makes them).
    public var uid: String { self.context.uid }

    /// A cluster node on the Redis server at `url`, over two connections of its own (one
    /// publishes, one subscribes). Nothing connects until ``run()``.
    ///
    /// - Parameters:
    ///   - url: the Redis server.
    ///   - configuration: key prefix, request timeout, Python queue.
    ///   - eventLoopGroup: where the connections and the request timers run.
    ///   - logger: connection losses, and messages from other servers that do not decode.
    public convenience init(
        url: RedisURL,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "socketio.redis")
    ) {
        // A name the URL gives (--redis-client-name) wins over the adapter's own.
        let redis = RedisPubSubClient(
            url: url,
            eventLoopGroup: eventLoopGroup,
            clientName: url.clientName ?? "socketio-\(configuration.key)",
            logger: logger
        )
        self.init(pubsub: redis, redis: redis, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// A cluster node on any pub/sub system (tests use an in-memory broker).
    ///
    /// - Parameters:
    ///   - pubsub: publishes, counts subscribers and holds the subscriptions of ``run()``.
    ///   - configuration: key prefix, request timeout, Python queue.
    ///   - eventLoopGroup: where the request timers run.
    ///   - logger: messages from other servers that do not decode.
    public convenience init(
        pubsub: any ClusterPubSub,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "socketio.redis")
    ) {
        self.init(pubsub: pubsub, redis: nil, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    private init(
        pubsub: any ClusterPubSub,
        redis: RedisPubSubClient?,
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) {
        self.context = ClusterContext(configuration: configuration, pubsub: pubsub, eventLoopGroup: eventLoopGroup, logger: logger)
        self.redis = redis
        if let bridge = self.context.pythonQueue {
            self.context.subscriptions.open(.init(channels: [bridge.channel], patterns: []) { message in bridge.receive(message) })
        }
    }

    /// Keeps the Redis connections up and holds every namespace's subscriptions, until a
    /// graceful shutdown or the task's cancellation; then ends them, and fails every request
    /// still waiting for other servers (`fetchSockets`, `serverSideEmitWithAck`, …) with
    /// ``/SocketIO/AdapterError`` at once, rather than at its timeout. Call it once.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                if let redis = self.redis {
                    group.addTask { await redis.run() }
                }
                // Namespaces made before `run()` are waiting; later ones arrive. Holding ends
                // on graceful shutdown (below) or when this task is cancelled.
                await self.context.subscriptions.hold(on: self.context.pubsub, logger: self.context.logger)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.context.subscriptions.close()
        }
        self.context.failPendingRequests(AdapterError.unavailable("the server is shutting down"))
    }

    /// Broadcasts and requests not sent to other servers because Redis was away.
    public var droppedPublishes: Int { self.redis?.droppedPublishes ?? 0 }

    /// Whether the Redis connections are up (always `true` on another pub/sub).
    public var isConnected: Bool { self.redis?.isConnected ?? true }

    /// Makes the adapter of `namespace`, and has ``run()`` subscribe to its channels.
    /// The server calls this for each namespace; you do not.
    public func makeAdapter(for namespace: any LocalNamespace) -> any SocketIOAdapter {
        let adapter = RedisNamespaceAdapter(namespace: namespace, cluster: self.context)
        self.context.adapters.add(adapter, namespace: namespace.name)
        let (patterns, channels) = adapter.subscriptions
        self.context.subscriptions.open(
            .init(channels: Set(channels), patterns: Set(patterns)) { [weak adapter] message in adapter?.receive(message) }
        )
        return adapter
    }
}
