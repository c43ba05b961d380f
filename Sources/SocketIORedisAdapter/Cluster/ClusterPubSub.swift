public import NIOCore

/// What a cluster adapter needs from a pub/sub system: ``RedisPubSubClient`` in production,
/// an in-memory broker in tests.
public protocol ClusterPubSub: Sendable {
    /// Publishes without waiting; `false` when the message was dropped (not connected).
    @discardableResult
    func publish(_ channel: String, _ payload: ByteBuffer) -> Bool
    /// Subscribes to a channel, for as long as the client lives.
    func subscribe(_ channel: String)
    /// Subscribes to a glob-style pattern, for as long as the client lives.
    func psubscribe(_ pattern: String)
    /// How many connections subscribe to `channel` (`PUBSUB NUMSUB`): Node's server count.
    func numberOfSubscribers(_ channel: String) async throws -> Int
}

extension RedisPubSubClient: ClusterPubSub {}
