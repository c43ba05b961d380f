import Logging
import NIOCore
import SocketIO
import Synchronization

/// What every namespace adapter of one cluster node shares: the node's uid, its settings, the
/// pub/sub connection, the routes of incoming messages and the Python queue bridge.
final class ClusterContext: Sendable {
    let uid: String
    let configuration: RedisClusterAdapter.Configuration
    let logger: Logger
    let router = MessageRouter()
    private let pubsubBox = Mutex<(any ClusterPubSub)?>(nil)
    private let pythonBox = Mutex<PythonQueueBridge?>(nil)

    init(configuration: RedisClusterAdapter.Configuration, logger: Logger) {
        self.uid = NodeAdapterWire.makeUID()
        self.configuration = configuration
        self.logger = logger
    }

    /// Set once, right after init (the pub/sub client needs the router first).
    var pubsub: any ClusterPubSub {
        get { self.pubsubBox.withLock { $0! } }
        set { self.pubsubBox.withLock { $0 = newValue } }
    }

    var pythonQueue: PythonQueueBridge? {
        get { self.pythonBox.withLock { $0 } }
        set { self.pythonBox.withLock { $0 = newValue } }
    }

    /// Publishes without waiting; while Redis is away the message is dropped and counted.
    func publish(_ channel: String, _ payload: ByteBuffer) {
        self.pubsub.publish(channel, payload)
    }
}

/// Routes incoming messages to the adapter (or bridge) that subscribed to their channel or
/// pattern.
final class MessageRouter: Sendable {
    private struct Routes {
        var channels: [String: @Sendable (RedisMessage) -> Void] = [:]
        var patterns: [String: @Sendable (RedisMessage) -> Void] = [:]
        var adapters: [String: RedisNamespaceAdapter] = [:]
    }

    private let routes = Mutex(Routes())

    func add(channel: String, _ handler: @escaping @Sendable (RedisMessage) -> Void) {
        self.routes.withLock { $0.channels[channel] = handler }
    }

    func add(pattern: String, _ handler: @escaping @Sendable (RedisMessage) -> Void) {
        self.routes.withLock { $0.patterns[pattern] = handler }
    }

    func add(_ adapter: RedisNamespaceAdapter) {
        self.routes.withLock { $0.adapters[adapter.namespace.name] = adapter }
    }

    /// Fails what every namespace's adapter still waits for (shutdown).
    func failPendingRequests(_ error: any Error) {
        let adapters = self.routes.withLock { Array($0.adapters.values) }
        for adapter in adapters { adapter.pending.failAll(error) }
    }

    /// The adapter of a namespace this server has.
    func adapter(namespace: String) -> RedisNamespaceAdapter? {
        self.routes.withLock { $0.adapters[namespace] }
    }

    func route(_ message: RedisMessage) {
        let handler = self.routes.withLock { routes in
            message.pattern.flatMap { routes.patterns[$0] } ?? routes.channels[message.channel]
        }
        handler?(message)
    }
}
