public import Logging
public import NIOCore
public import NIOPosix
public import ServiceLifecycle
public import SocketIO

/// Scales a ``/SocketIO/SocketIOServer`` out over Redis Streams: the adapter of every namespace
/// speaks the protocol of Node's `@socket.io/redis-streams-adapter` 0.3.x, so Swift and Node
/// servers form one cluster, and connection state recovery works across servers: a client that
/// drops from one server comes back on any other with its id, rooms and data, and gets the
/// events it missed.
///
/// How it works, as in Node:
/// - broadcasts, joins, leaves and disconnects are appended to one stream per namespace group
///   (`XADD … MAXLEN ~ maxLength`), which every server reads with a blocking `XREAD` on a
///   connection of its own, from where it left off, across Redis restarts;
/// - `fetchSockets`, `serverSideEmit` and broadcasts with acks go over pub/sub (the namespace's
///   channel), and answers to the asker's own channel; the server count is `PUBSUB NUMSUB` of
///   the namespace's channel;
/// - with ``/SocketIO/SocketIOConfiguration/connectionStateRecovery`` on, a broadcast reaches
///   this server's clients once its `XADD` has answered, with the entry's id as its offset, and
///   a disconnected socket's session is kept in Redis (`SET … PX`) for the recovery window.
///
/// It is a ServiceLifecycle `Service`: its ``run()`` keeps the Redis connections up, reads the
/// streams and holds the subscriptions of every namespace, until a graceful shutdown or
/// cancellation. Run it in the same `ServiceGroup` as the server, before it, so that it stops
/// after the server has drained:
///
/// ```swift
/// let redis = RedisStreamsAdapter(url: try RedisURL("redis://127.0.0.1:6379/0"))
/// let io = SocketIOServer(configuration: SocketIOConfiguration(
///     adapter: redis,
///     connectionStateRecovery: ConnectionStateRecovery()
/// ))
/// let group = ServiceGroup(services: [redis, httpServer], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
///
/// While Redis is away, each server keeps serving its own clients: stream entries and
/// publishes are not sent (nothing is buffered), local deliveries go out without offsets, and
/// requests to other servers fail with ``/SocketIO/AdapterError``. When Redis is back, the
/// stream readers carry on after the last entry they read.
public final class RedisStreamsAdapter: SocketIOAdapterFactory, Service, Sendable {
    /// Cluster settings. The first ones are Node's options of the same meaning, with Node's
    /// defaults; the bounds after them are ours.
    public struct Configuration: Sendable {
        /// The name of the stream (Node's `streamName`): `socket.io`. With
        /// ``streamCount`` above 1, the prefix of the streams' names.
        public var streamName: String
        /// How many streams the namespaces are spread over (Node's `streamCount`): 1. Each
        /// namespace keeps to one stream, so its messages stay in order.
        public var streamCount: Int
        /// The prefix of the pub/sub channels (Node's `channelPrefix`): `socket.io`.
        public var channelPrefix: String
        /// About how many entries a stream keeps (Node's `maxLen`, trimmed with `MAXLEN ~`): 10,000.
        /// A client can recover only while its offset is still in the stream.
        public var maxLength: Int
        /// How many entries one `XREAD` takes (Node's `readCount`): 100.
        public var readCount: Int
        /// How long one `XREAD` blocks waiting for entries (Node's `blockTimeInMs`): 5 s.
        public var blockTime: Duration
        /// The prefix of the Redis key of a disconnected session (Node's `sessionKeyPrefix`):
        /// `sio:session:`.
        public var sessionKeyPrefix: String
        /// How long `fetchSockets()` and `serverSideEmitWithAck` wait for other servers
        /// (socket.io-adapter's `DEFAULT_TIMEOUT`): 5 s.
        public var requestsTimeout: Duration
        /// How many `XRANGE` calls one restore may make (Node's `RESTORE_SESSION_MAX_XRANGE_CALLS`): 100.
        public var maxRestoreReads: Int
        /// The largest stream entry or pub/sub message read; a larger one is read past and
        /// dropped (and logged): 16 MiB. Ours; Node has no bound.
        public var maxMessageBytes: Int
        /// The most one Redis reply keeps in memory (one `XREAD` or `XRANGE` page); past it, a
        /// page ends early and the next read carries on: 64 MiB. Ours.
        public var maxReplyBytes: Int
        /// The most bytes of missed events one restore gathers; past it the client connects as
        /// a new socket: 64 MiB. Ours.
        public var maxMissedBytes: Int
        /// With recovery on, how long a local delivery waits for its `XADD` to answer before
        /// it goes out without an offset: 5 s. Ours; Node waits as long as Redis takes.
        public var publishTimeout: Duration
        /// With recovery on, how many local deliveries may wait for their `XADD`; past it they
        /// go out at once, without offsets (logged): 10,000. Ours.
        public var maxPendingPublishes: Int
        /// How many entries one `XRANGE` of a restore asks for. Node asks for all of them at
        /// once; pages keep each reply small, and the keep limits bound each page's bytes.
        var restorePageSize = 1_000

        /// Settings; every default is Node's, or ours where Node has none.
        ///
        /// - Parameters:
        ///   - streamName: the stream's name (or the prefix of the streams' names).
        ///   - streamCount: how many streams the namespaces are spread over.
        ///   - channelPrefix: the prefix of the pub/sub channels.
        ///   - maxLength: about how many entries a stream keeps.
        ///   - readCount: how many entries one `XREAD` takes.
        ///   - blockTime: how long one `XREAD` blocks.
        ///   - sessionKeyPrefix: the prefix of a session's Redis key.
        ///   - requestsTimeout: how long requests to other servers wait for their answers.
        ///   - maxRestoreReads: how many `XRANGE` calls one restore may make.
        ///   - maxMessageBytes: the largest entry or message read.
        ///   - maxReplyBytes: the most one Redis reply keeps in memory.
        ///   - maxMissedBytes: the most bytes of missed events one restore gathers.
        ///   - publishTimeout: how long a local delivery waits for its `XADD`.
        ///   - maxPendingPublishes: how many local deliveries may wait for their `XADD`.
        public init(
            streamName: String = "socket.io",
            streamCount: Int = 1,
            channelPrefix: String = "socket.io",
            maxLength: Int = 10_000,
            readCount: Int = 100,
            blockTime: Duration = .seconds(5),
            sessionKeyPrefix: String = "sio:session:",
            requestsTimeout: Duration = .seconds(5),
            maxRestoreReads: Int = 100,
            maxMessageBytes: Int = 16 << 20,
            maxReplyBytes: Int = 64 << 20,
            maxMissedBytes: Int = 64 << 20,
            publishTimeout: Duration = .seconds(5),
            maxPendingPublishes: Int = 10_000
        ) {
            self.streamName = streamName
            self.streamCount = streamCount
            self.channelPrefix = channelPrefix
            self.maxLength = maxLength
            self.readCount = readCount
            self.blockTime = blockTime
            self.sessionKeyPrefix = sessionKeyPrefix
            self.requestsTimeout = requestsTimeout
            self.maxRestoreReads = maxRestoreReads
            self.maxMessageBytes = maxMessageBytes
            self.maxReplyBytes = maxReplyBytes
            self.maxMissedBytes = maxMissedBytes
            self.publishTimeout = publishTimeout
            self.maxPendingPublishes = maxPendingPublishes
        }

        /// The settings with every number brought into a range that works: at least one
        /// stream, one entry per read, and a reply bound that holds a whole read's headers and
        /// the largest message.
        var normalized: Configuration {
            var settings = self
            settings.streamCount = max(1, settings.streamCount)
            settings.maxLength = max(1, settings.maxLength)
            settings.readCount = min(max(1, settings.readCount), 100_000)
            settings.blockTime = max(.milliseconds(1), settings.blockTime)
            settings.maxRestoreReads = max(1, settings.maxRestoreReads)
            settings.maxMessageBytes = max(1_024, settings.maxMessageBytes)
            settings.restorePageSize = min(max(1, settings.restorePageSize), 100_000)
            let headers = (max(settings.readCount, settings.restorePageSize) + 16) * 4 * RESPParser.KeepLimits.elementCost
            settings.maxReplyBytes = max(settings.maxReplyBytes, settings.maxMessageBytes + headers + 65_536)
            settings.maxPendingPublishes = max(1, settings.maxPendingPublishes)
            return settings
        }

        /// A parser for replies that carry other servers' data: past the keep limits a part is
        /// read and dropped, so the hard array bound can be off (a hostile entry of more
        /// fields than it would allow must be skipped too, not close the connection: the
        /// reader would read it again after reconnecting, forever).
        var readerParser: RESPParser {
            RESPParser(maxArrayCount: .max, keepLimits: self.keepLimits)
        }

        /// What one reply may keep (``RESPParser/KeepLimits``).
        var keepLimits: RESPParser.KeepLimits {
            RESPParser.KeepLimits(
                maxBulkLength: self.maxMessageBytes,
                maxArrayCount: max(self.readCount, self.restorePageSize) * 4 + 64,
                maxReplyBytes: self.maxReplyBytes
            )
        }
    }

    let node: StreamsNode

    /// This node's id in the cluster (16 hex characters, as socket.io-adapter makes them).
    public var uid: String { self.node.uid }

    /// The settings in use (numbers out of range brought back into it).
    public var configuration: Configuration { self.node.configuration }

    /// A cluster node on the Redis server at `url`, over three connections of its own (one
    /// sends commands, one subscribes, one reads each stream). Nothing connects until ``run()``.
    ///
    /// - Parameters:
    ///   - url: the Redis server.
    ///   - configuration: stream and channel names, Node's options, our bounds.
    ///   - eventLoopGroup: where the connections and the timers run.
    ///   - logger: connection losses, and messages from other servers that do not decode.
    public init(
        url: RedisURL,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "socketio.redis.streams")
    ) {
        self.node = StreamsNode(url: url, configuration: configuration.normalized, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Keeps the Redis connections up, reads every stream and holds every namespace's
    /// subscriptions, until a graceful shutdown or the task's cancellation; then ends them,
    /// delivers what still waits for an `XADD` (without offsets) and fails every request still
    /// waiting for other servers with ``/SocketIO/AdapterError`` at once. Call it once.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.node.redis.run() }
                // Node reads every stream of the group, whatever namespaces this server has.
                let configuration = self.node.configuration
                let names =
                    configuration.streamCount == 1
                    ? [configuration.streamName] : (0..<configuration.streamCount).map { "\(configuration.streamName)-\($0)" }
                for name in names {
                    group.addTask { await StreamReader(stream: name, node: self.node).run() }
                }
                await self.node.subscriptions.hold(on: self.node.redis, logger: self.node.logger)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.node.subscriptions.close()
        }
        self.node.failPendingRequests(AdapterError.unavailable("the server is shutting down"))
    }

    /// Whether the command and subscriber connections are up.
    public var isConnected: Bool { self.node.redis.isConnected }

    /// Publishes not sent to other servers because Redis was away.
    public var droppedPublishes: Int { self.node.redis.droppedPublishes }

    /// Makes the adapter of `namespace`, and has ``run()`` subscribe to its channels.
    /// The server calls this for each namespace; you do not.
    public func makeAdapter(for namespace: any LocalNamespace) -> any SocketIOAdapter {
        let adapter = RedisStreamsNamespaceAdapter(namespace: namespace, node: self.node)
        self.node.adapters.add(adapter, namespace: namespace.name)
        self.node.subscriptions.open(.init(channels: adapter.channels, patterns: []) { [weak adapter] message in adapter?.receive(message) })
        return adapter
    }
}
