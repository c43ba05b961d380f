import Logging
import NIOCore
import SocketIO
import Synchronization

/// What every namespace adapter of one cluster node shares: the node's uid, its settings, the
/// pub/sub connection, the adapters by namespace, and the Python queue bridge. Everything is
/// set in `init`; only the adapter table changes afterwards.
final class ClusterContext: Sendable {
    let uid: String
    let configuration: RedisClusterAdapter.Configuration
    let logger: Logger
    let pubsub: any ClusterPubSub
    /// Where request timers run.
    let eventLoopGroup: any EventLoopGroup
    /// Subscription scopes for the service to open: one per namespace adapter, plus the Python
    /// queue. Made before `run()` starts, they wait here until it does.
    let scopes: AsyncStream<SubscriptionScope>
    private let scopesInput: AsyncStream<SubscriptionScope>.Continuation
    let adapters: NamespaceAdapters
    /// The Flask-SocketIO / python-socketio queue, with ``RedisClusterAdapter/Configuration/pythonQueue``.
    let pythonQueue: PythonQueueBridge?

    /// Channels and patterns to hold while the service runs, and who gets their messages.
    struct SubscriptionScope: Sendable {
        var channels: Set<String>
        var patterns: Set<String>
        var receive: @Sendable (RedisMessage) -> Void
    }

    init(configuration: RedisClusterAdapter.Configuration, pubsub: any ClusterPubSub, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.uid = NodeAdapterWire.makeUID()
        self.configuration = configuration
        self.pubsub = pubsub
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let adapters = NamespaceAdapters()
        self.adapters = adapters
        self.pythonQueue = configuration.pythonQueue.map { channel in
            PythonQueueBridge(channel: channel, pubsub: pubsub, adapters: adapters, logger: logger)
        }
        (self.scopes, self.scopesInput) = AsyncStream.makeStream(of: SubscriptionScope.self)
    }

    /// Publishes without waiting; while Redis is away the message is dropped and counted.
    func publish(_ channel: String, _ payload: ByteBuffer) {
        self.pubsub.publish(channel, payload)
    }

    /// Asks the running service (or the one about to run) to subscribe.
    func open(_ scope: SubscriptionScope) {
        self.scopesInput.yield(scope)
    }

    /// No more scopes: the service is stopping.
    func closeScopes() {
        self.scopesInput.finish()
    }

    /// Fails what every namespace's adapter waits for, and will ask for (shutdown).
    func failPendingRequests(_ error: any Error) {
        for adapter in self.adapters.all { adapter.pending.failAll(error) }
    }
}

/// The namespace adapters of one node, by namespace name.
///
/// Behind a `Mutex`: namespaces are made from the server's threads at any time, and the
/// Python bridge and shutdown read the table from the event loop and the service task.
final class NamespaceAdapters: Sendable {
    private let table = Mutex<[String: RedisNamespaceAdapter]>([:])

    func add(_ adapter: RedisNamespaceAdapter) {
        self.table.withLock { $0[adapter.namespace.name] = adapter }
    }

    /// The adapter of a namespace this server has.
    func adapter(namespace: String) -> RedisNamespaceAdapter? {
        self.table.withLock { $0[namespace] }
    }

    var all: [RedisNamespaceAdapter] { self.table.withLock { Array($0.values) } }
}
