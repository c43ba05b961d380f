import NIOCore
import SocketIORedisAdapter
import Synchronization

/// An in-memory pub/sub broker with Redis' semantics for what the cluster adapter uses:
/// channels, glob patterns with `*`, per-subscriber ordered delivery, NUMSUB. Several
/// `RedisClusterAdapter`s on one broker form a cluster without Redis.
final class InMemoryBroker: Sendable {
    final class Client: ClusterPubSub {
        let broker: InMemoryBroker
        let channels = Mutex<Set<String>>([])
        let patterns = Mutex<Set<String>>([])
        private let inbox: AsyncStream<RedisMessage>.Continuation
        private let consumer: Task<Void, Never>

        init(broker: InMemoryBroker, onMessage: @escaping @Sendable (RedisMessage) -> Void) {
            self.broker = broker
            let (stream, inbox) = AsyncStream.makeStream(of: RedisMessage.self)
            self.inbox = inbox
            self.consumer = Task { for await message in stream { onMessage(message) } }
        }

        deinit { self.consumer.cancel() }

        func publish(_ channel: String, _ payload: ByteBuffer) -> Bool {
            self.broker.publish(channel, payload)
            return true
        }
        func subscribe(_ channel: String) { self.channels.withLock { _ = $0.insert(channel) } }
        func psubscribe(_ pattern: String) { self.patterns.withLock { _ = $0.insert(pattern) } }
        func numberOfSubscribers(_ channel: String) async throws -> Int { self.broker.numberOfSubscribers(channel) }

        func deliver(_ message: RedisMessage) { self.inbox.yield(message) }
    }

    private let clients = Mutex<[Client]>([])
    /// Every publish, for tests that look at the wire.
    let published = Mutex<[(channel: String, payload: ByteBuffer)]>([])

    func makeClient(_ onMessage: @escaping @Sendable (RedisMessage) -> Void) -> Client {
        let client = Client(broker: self, onMessage: onMessage)
        self.clients.withLock { $0.append(client) }
        return client
    }

    func publish(_ channel: String, _ payload: ByteBuffer) {
        self.published.withLock { $0.append((channel, payload)) }
        for client in self.clients.withLock({ $0 }) {
            if client.channels.withLock({ $0.contains(channel) }) {
                client.deliver(RedisMessage(channel: channel, pattern: nil, payload: payload))
            }
            for pattern in client.patterns.withLock({ $0 }) where Self.matches(pattern, channel) {
                client.deliver(RedisMessage(channel: channel, pattern: pattern, payload: payload))
            }
        }
    }

    func numberOfSubscribers(_ channel: String) -> Int {
        self.clients.withLock { $0 }.filter { $0.channels.withLock { $0.contains(channel) } }.count
    }

    /// Redis glob with `*` only (what the adapter subscribes with).
    static func matches(_ pattern: String, _ channel: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return pattern == channel }
        var rest = Substring(channel)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for (index, part) in parts.dropFirst().enumerated() {
            if index == parts.count - 2 { return part.isEmpty || rest.hasSuffix(part) }
            guard let range = rest.firstRange(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
