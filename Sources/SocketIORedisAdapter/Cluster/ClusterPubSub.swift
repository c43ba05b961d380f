public import NIOCore

/// What a cluster adapter needs from a pub/sub system: Redis in production (our own client),
/// an in-memory broker in tests, or any other broker you adapt to it.
///
/// Subscriptions are scoped, as in valkey-swift's `subscribe(to:process:)`: they hold while
/// `process` runs and end when it returns or throws, so nothing outlives the
/// ``RedisClusterAdapter`` service that opened them.
public protocol ClusterPubSub: Sendable {
    /// Publishes without waiting for the broker.
    /// - Returns: `false` when the message was dropped (not connected).
    @discardableResult
    func publish(_ channel: String, _ payload: ByteBuffer) -> Bool

    /// Subscribes to `channels` and glob-style `patterns` while `process` runs, and hands it
    /// every message published on them, in the order the broker delivered them.
    ///
    /// - Parameters:
    ///   - channels: exact channel names (`SUBSCRIBE`).
    ///   - patterns: glob patterns (`PSUBSCRIBE`); a message that matches carries the pattern.
    ///   - process: reads the messages; the subscription ends when it returns. The stream ends
    ///     when the subscription does.
    /// - Throws: what `process` throws.
    func subscribe(
        to channels: Set<String>,
        patterns: Set<String>,
        process: (AsyncStream<RedisMessage>) async throws -> Void
    ) async throws

    /// How many connections subscribe to `channel` (`PUBSUB NUMSUB`): Node's server count.
    /// - Throws: when the broker cannot be asked now.
    func numberOfSubscribers(_ channel: String) async throws -> Int
}

extension RedisPubSubClient: ClusterPubSub {}
