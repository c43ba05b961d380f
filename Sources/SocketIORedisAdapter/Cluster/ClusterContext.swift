import Logging
import NIOCore
import SocketIO

/// What every namespace adapter of one cluster node shares: the node's uid, its settings, the
/// pub/sub connection, the subscriptions, the adapters by namespace, and the Python queue
/// bridge. Everything is set in `init`; only the adapter table changes afterwards.
final class ClusterContext: Sendable {
    let uid: String
    let configuration: RedisClusterAdapter.Configuration
    let logger: Logger
    let pubsub: any ClusterPubSub
    /// Where request timers run.
    let eventLoopGroup: any EventLoopGroup
    /// One subscription scope per namespace adapter, plus the Python queue.
    let subscriptions = SubscriptionScopes()
    let adapters: NamespaceAdapters<RedisNamespaceAdapter>
    /// The Flask-SocketIO / python-socketio queue, with ``RedisClusterAdapter/Configuration/pythonQueue``.
    let pythonQueue: PythonQueueBridge?

    init(configuration: RedisClusterAdapter.Configuration, pubsub: any ClusterPubSub, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.uid = NodeAdapterWire.makeUID()
        self.configuration = configuration
        self.pubsub = pubsub
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let adapters = NamespaceAdapters<RedisNamespaceAdapter>()
        self.adapters = adapters
        self.pythonQueue = configuration.pythonQueue.map { channel in
            PythonQueueBridge(channel: channel, pubsub: pubsub, adapters: adapters, logger: logger)
        }
    }

    /// Publishes without waiting; while Redis is away the message is dropped and counted.
    func publish(_ channel: String, _ payload: ByteBuffer) {
        self.pubsub.publish(channel, payload)
    }

    /// Fails what every namespace's adapter waits for, and will ask for (shutdown).
    func failPendingRequests(_ error: any Error) {
        for adapter in self.adapters.all { adapter.pending.failAll(error) }
    }
}
