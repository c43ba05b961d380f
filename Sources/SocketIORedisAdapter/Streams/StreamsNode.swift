import Logging
import NIOCore
import SocketIO

/// What every namespace adapter of one Redis Streams node shares: the node's uid, its
/// settings, the Redis client, the stream publisher, the subscriptions, and the adapters by
/// namespace (which the stream readers dispatch to). Everything is set in `init`; only the
/// adapter table changes afterwards.
final class StreamsNode: Sendable {
    let uid: String
    let configuration: RedisStreamsAdapter.Configuration
    let logger: Logger
    let redis: RedisPubSubClient
    let publisher: StreamPublisher
    /// Where request timers run.
    let eventLoopGroup: any EventLoopGroup
    /// One subscription scope per namespace adapter: its public and its private channel.
    let subscriptions = SubscriptionScopes()
    let adapters = NamespaceAdapters<RedisStreamsNamespaceAdapter>()

    init(url: RedisURL, configuration: RedisStreamsAdapter.Configuration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.uid = StreamsWire.makeUID()
        self.configuration = configuration
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        // Replies and pushes that carry other servers' data keep what the limits allow; past
        // them a part is dropped, never the connection (RESPParser.keepLimits). The
        // connections are named after the node in CLIENT LIST: socketio-streams-<uid>-pub, -sub.
        self.redis = RedisPubSubClient(
            url: url,
            eventLoopGroup: eventLoopGroup,
            clientName: "socketio-streams-\(self.uid)",
            commandParser: configuration.readerParser,
            subscriberParser: configuration.readerParser,
            logger: logger
        )
        self.publisher = StreamPublisher(
            redis: self.redis,
            eventLoop: eventLoopGroup.any(),
            timeout: configuration.publishTimeout,
            maxPending: configuration.maxPendingPublishes,
            logger: logger
        )
    }

    /// The channel every node of a namespace subscribes to (Node's `publicChannel`), which
    /// `PUBSUB NUMSUB` counts for the server count.
    func publicChannel(_ namespace: String) -> String { "\(self.configuration.channelPrefix)#\(namespace)#" }

    /// The channel on which node `uid` gets the answers to its requests.
    func privateChannel(_ namespace: String, uid: String) -> String { "\(self.configuration.channelPrefix)#\(namespace)#\(uid)#" }

    /// Publishes without waiting; while Redis is away the message is dropped and counted.
    func publish(_ channel: String, _ message: StreamsWire.Message) {
        self.redis.publish(channel, StreamsWire.pubSubPayload(message))
    }

    /// Fails what every namespace's adapter waits for, and will ask for (shutdown).
    func failPendingRequests(_ error: any Error) {
        for adapter in self.adapters.all { adapter.pending.failAll(error) }
        self.publisher.failAll()
    }

    /// An entry read from stream `stream`: to the adapter of its namespace. One that does not
    /// decode is logged and dropped: any client of the Redis server can write to the stream.
    func dispatch(_ entry: StreamEntry) {
        let message: StreamsWire.Message?
        do {
            message = try StreamsWire.message(fromStream: entry.fields)
        } catch {
            self.logger.info("ignoring a stream entry that does not decode", metadata: ["entry": "\(entry.id)", "error": "\(error)"])
            return
        }
        guard let message, let adapter = self.adapters.adapter(namespace: message.namespace) else { return }
        adapter.receive(message, offset: entry.id.description)
    }
}
