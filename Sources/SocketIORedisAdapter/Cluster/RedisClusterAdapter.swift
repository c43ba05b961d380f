public import Logging
public import NIOCore
public import NIOPosix
import Synchronization
public import SocketIO

/// Scales a ``SocketIO/SocketIOServer`` out over Redis: the adapter of every namespace speaks
/// the protocol of Node's `@socket.io/redis-adapter` (classic pub/sub), so Swift and Node
/// servers form one cluster, `@socket.io/redis-emitter` reaches our clients, and, with
/// ``Configuration/pythonQueue``, so do Flask-SocketIO's `SocketIO(message_queue=…)` writers.
///
/// ```swift
/// let redis = try RedisClusterAdapter(url: RedisURL("redis://127.0.0.1:6379/0"))
/// let io = SocketIOServer(configuration: SocketIOConfiguration(adapter: redis))
/// Task { await redis.run() }              // keeps the Redis connections up until cancelled
/// ```
///
/// While Redis is away, each server keeps serving its own clients; broadcasts to other servers
/// are dropped and counted (``droppedPublishes``), never queued, and requests to other servers
/// fail with ``SocketIO/AdapterError``. Connections come back with backoff and resubscribe.
public final class RedisClusterAdapter: SocketIOAdapterFactory, Sendable {
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

        public init(key: String = "socket.io", requestsTimeout: Duration = .seconds(5), pythonQueue: String? = nil) {
            self.key = key
            self.requestsTimeout = requestsTimeout
            self.pythonQueue = pythonQueue
        }
    }

    let context: ClusterContext

    /// This node's id in the cluster (6 characters, as Node's uid2 makes them).
    public var uid: String { self.context.uid }

    /// - Parameters:
    ///   - url: the Redis server.
    ///   - configuration: key prefix, request timeout, Python queue.
    public convenience init(
        url: RedisURL, configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "socketio.redis")
    ) {
        var client: RedisPubSubClient?
        self.init(configuration: configuration, logger: logger) { route in
            let redis = RedisPubSubClient(url: url, eventLoopGroup: eventLoopGroup, clientName: "socketio-\(configuration.key)", logger: logger, onMessage: route)
            client = redis
            return redis
        }
        self.redisClient = client
    }

    /// A cluster on any pub/sub system (tests use an in-memory broker).
    public init(
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "socketio.redis"),
        pubsub makePubSub: (@escaping @Sendable (RedisMessage) -> Void) -> any ClusterPubSub
    ) {
        let context = ClusterContext(configuration: configuration, logger: logger)
        let router = context.router
        context.pubsub = makePubSub { message in router.route(message) }
        if let channel = configuration.pythonQueue {
            let bridge = PythonQueueBridge(channel: channel, context: context)
            context.pythonQueue = bridge
            router.add(channel: channel) { message in bridge.receive(message) }
            context.pubsub.subscribe(channel)
        }
        self.context = context
        self.redisBox = .init(nil)
    }

    private let redisBox: Mutex<RedisPubSubClient?>
    private var redisClient: RedisPubSubClient? {
        get { self.redisBox.withLock { $0 } }
        set { self.redisBox.withLock { $0 = newValue } }
    }

    /// Keeps the Redis connections up until the calling task is cancelled. Then every request
    /// still waiting for other servers (`fetchSockets`, `serverSideEmitWithAck`, …) fails with
    /// ``AdapterError`` at once, rather than at its timeout.
    public func run() async {
        if let client = self.redisClient {
            await client.run()
        } else {
            // Another pub/sub (tests' in-memory broker): nothing to keep up; wait for the end.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
        self.context.router.failPendingRequests(AdapterError.unavailable("the server is shutting down"))
    }

    /// Broadcasts and requests not sent to other servers because Redis was away.
    public var droppedPublishes: Int { self.redisClient?.droppedPublishes ?? 0 }

    /// Whether the Redis connections are up.
    public var isConnected: Bool { self.redisClient?.isConnected ?? true }

    public func makeAdapter(for namespace: any LocalNamespace) -> any SocketIOAdapter {
        let adapter = RedisNamespaceAdapter(namespace: namespace, cluster: self.context)
        let router = self.context.router
        router.add(adapter)
        let (patterns, channels) = adapter.subscriptions
        for pattern in patterns {
            router.add(pattern: pattern) { [weak adapter] message in adapter?.receive(message) }
            self.context.pubsub.psubscribe(pattern)
        }
        for channel in channels {
            router.add(channel: channel) { [weak adapter] message in adapter?.receive(message) }
            self.context.pubsub.subscribe(channel)
        }
        return adapter
    }
}
