import Logging
import NIOCore
import SocketIO
import SocketIOProtocol
import Synchronization

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
    /// What each stream's reader read, decoded, for restores (``StreamCache``), by stream name.
    let caches: [String: LockedStreamCache]

    init(url: RedisURL, configuration: RedisStreamsAdapter.Configuration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.uid = StreamsWire.makeUID()
        self.configuration = configuration
        self.caches = Dictionary(
            uniqueKeysWithValues: configuration.streamNames.map { name in
                (name, LockedStreamCache(StreamCache(maxEntries: configuration.maxLength, maxBytes: configuration.maxCachedBytes)))
            }
        )
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        // Replies and pushes that carry other servers' data keep what the limits allow; past
        // them a part is dropped, never the connection (RESPParser.keepLimits). The
        // connections are named after the node in CLIENT LIST: socketio-streams-<uid>-pub, -sub.
        self.redis = RedisPubSubClient(
            url: url,
            eventLoopGroup: eventLoopGroup,
            clientName: "\(url.clientName ?? "socketio-streams")-\(self.uid)",
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

    /// An entry read from a stream: to the adapter of its namespace, decoded once. Returns what
    /// a restore needs of it (``StreamCache``). One that does not decode is logged and dropped:
    /// any client of the Redis server can write to the stream.
    func dispatch(_ entry: StreamEntry) -> StreamCache.Payload {
        let message: StreamsWire.Message?
        do {
            message = try StreamsWire.message(fromStream: entry.fields)
        } catch {
            self.logger.info("ignoring a stream entry that does not decode", metadata: ["entry": "\(entry.id)", "error": "\(error)"])
            return .other
        }
        guard let message else { return .other }
        var payload = StreamCache.Payload.other
        var broadcast: StreamsWire.Broadcast?
        if message.knownType == .broadcast, let decoded = try? StreamsWire.broadcast(from: message.data, namespace: message.namespace),
            let data = decoded.packet.data?.arrayValue
        {
            broadcast = decoded
            let replayable = decoded.requestID == nil && decoded.packet.id == nil && !decoded.options.flags.volatile
            payload = .broadcast(namespace: message.namespace, data: data, options: decoded.options, replayable: replayable)
        }
        let adapter = self.adapters.adapter(namespace: message.namespace)
        adapter?.receive(message, offset: entry.id.description, broadcast: broadcast)
        return payload
    }
}

/// A ``StreamCache`` behind a lock: the stream's reader appends, restores on any thread read.
final class LockedStreamCache: Sendable {
    let state: Mutex<StreamCache>

    init(_ cache: StreamCache) {
        self.state = Mutex(cache)
    }
}
