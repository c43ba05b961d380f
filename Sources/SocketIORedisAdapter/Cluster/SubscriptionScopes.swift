import Logging
import Synchronization

/// The pub/sub subscriptions a cluster service holds while it runs, one scope per namespace
/// adapter (and one for the Python queue). Namespaces can be made before the service runs:
/// their scopes wait here until ``hold(on:logger:)`` starts, and later ones are opened as
/// they come. Shared by ``RedisClusterAdapter`` and ``RedisStreamsAdapter``.
final class SubscriptionScopes: Sendable {
    /// Channels and patterns to hold while the service runs, and who gets their messages.
    struct Scope: Sendable {
        var channels: Set<String>
        var patterns: Set<String>
        var receive: @Sendable (RedisMessage) -> Void
    }

    private let scopes: AsyncStream<Scope>
    private let input: AsyncStream<Scope>.Continuation

    init() {
        (self.scopes, self.input) = AsyncStream.makeStream(of: Scope.self)
    }

    /// Asks the running service (or the one about to run) to subscribe.
    func open(_ scope: Scope) {
        self.input.yield(scope)
    }

    /// No more scopes: the service is stopping; ``hold(on:logger:)`` returns.
    func close() {
        self.input.finish()
    }

    /// Subscribes every scope opened, and holds them until ``close()`` or the task's
    /// cancellation; then ends them all. Call it once.
    func hold(on pubsub: any ClusterPubSub, logger: Logger) async {
        await withDiscardingTaskGroup { group in
            for await scope in self.scopes {
                group.addTask { await Self.hold(scope, on: pubsub, logger: logger) }
            }
            group.cancelAll()
        }
    }

    private static func hold(_ scope: Scope, on pubsub: any ClusterPubSub, logger: Logger) async {
        do {
            try await pubsub.subscribe(to: scope.channels, patterns: scope.patterns) { messages in
                for await message in messages { scope.receive(message) }
            }
        } catch {
            logger.warning("a cluster subscription failed", metadata: ["channels": "\(scope.channels.sorted())", "error": "\(error)"])
        }
    }
}

/// The namespace adapters of one cluster node, by namespace name.
///
/// Behind a `Mutex`: namespaces are made from the server's threads at any time, and the
/// Redis readers and shutdown read the table from event loops and the service task.
final class NamespaceAdapters<Adapter: AnyObject & Sendable>: Sendable {
    private let table = Mutex<[String: Adapter]>([:])

    func add(_ adapter: Adapter, namespace: String) {
        self.table.withLock { $0[namespace] = adapter }
    }

    /// The adapter of a namespace this server has.
    func adapter(namespace: String) -> Adapter? {
        self.table.withLock { $0[namespace] }
    }

    var all: [Adapter] { self.table.withLock { Array($0.values) } }
}
