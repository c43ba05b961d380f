public import Logging
public import NIOCore
import Synchronization

/// What a cluster adapter needs from Redis, over two connections that reconnect on their own:
/// one publishes (and asks `PUBSUB NUMSUB`), one holds the subscriptions.
///
/// - While the publishing connection is down, ``publish(_:_:)`` drops the message and counts
///   it (``droppedPublishes``): nothing is buffered, so an outage cannot grow memory.
/// - When the subscribing connection comes back, every channel and pattern is subscribed again.
/// - Reconnects back off exponentially, from 50 ms to at most 5 s, and log once per outage.
///
/// ```swift
/// let redis = RedisPubSubClient(url: try RedisURL("redis://127.0.0.1:6379/0")) { message in … }
/// redis.psubscribe("socket.io#*")
/// Task { await redis.run() }          // until the task is cancelled
/// redis.publish("socket.io#/#", payload)
/// ```
public final class RedisPubSubClient: Sendable {
    public let url: RedisURL
    private let logger: Logger
    private let onMessage: @Sendable (RedisMessage) -> Void
    private let eventLoopGroup: any EventLoopGroup
    /// Prefix of the connections' names in `CLIENT LIST` (`<name>-pub`, `<name>-sub`).
    public let clientName: String
    /// Whether the subscribing connection is kept too (a write-only emitter has none).
    public let subscribes: Bool

    private struct State {
        var publisher: RedisConnection?
        var subscriber: RedisConnection?
        var channels: Set<String> = []
        var patterns: Set<String> = []
        var dropped = 0
    }

    private let state = Mutex(State())

    /// The first and the longest wait between two connection attempts.
    static let firstBackoff: Duration = .milliseconds(50)
    static let maxBackoff: Duration = .seconds(5)

    public init(
        url: RedisURL, eventLoopGroup: any EventLoopGroup, clientName: String = "socketio", subscribes: Bool = true,
        logger: Logger = Logger(label: "socketio.redis"), onMessage: @escaping @Sendable (RedisMessage) -> Void
    ) {
        self.url = url
        self.clientName = clientName
        self.subscribes = subscribes
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onMessage = onMessage
    }

    /// Keeps both connections up until the calling task is cancelled; then closes them.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepConnected(subscribing: false) }
            if self.subscribes { group.addTask { await self.keepConnected(subscribing: true) } }
        }
    }

    /// Whether the connections are up now.
    public var isConnected: Bool { self.state.withLock { $0.publisher != nil && ($0.subscriber != nil || !self.subscribes) } }

    /// Messages not published because the publishing connection was down.
    public var droppedPublishes: Int { self.state.withLock { $0.dropped } }

    /// Publishes `payload` on `channel`, without waiting for Redis. Returns `false` (and counts
    /// the message as dropped) when the connection is down.
    @discardableResult
    public func publish(_ channel: String, _ payload: ByteBuffer) -> Bool {
        guard let publisher = self.state.withLock({ state -> RedisConnection? in
            if state.publisher == nil { state.dropped += 1 }
            return state.publisher
        }) else { return false }
        publisher.sendFuture(["PUBLISH", .string(channel), .bytes(payload)]).whenFailure { [logger] error in
            logger.debug("publish failed", metadata: ["channel": "\(channel)", "error": "\(error)"])
        }
        return true
    }

    /// Sends any command on the publishing connection.
    /// - Throws: ``RESPError/notConnected`` while it is down, or the command's error.
    public func send(_ arguments: [RESPArgument]) async throws -> RESPValue {
        guard let publisher = self.state.withLock({ $0.publisher }) else { throw RESPError.notConnected }
        return try await publisher.send(arguments)
    }

    /// How many connections subscribe to `channel` (`PUBSUB NUMSUB`): the number of nodes.
    public func numberOfSubscribers(_ channel: String) async throws -> Int {
        let reply = try await self.send(["PUBSUB", "NUMSUB", .string(channel)])
        guard let count = reply.array?.last?.integer else { throw RESPError.protocolError("unexpected NUMSUB reply") }
        return count
    }

    /// Subscribes to `channel`, now if connected and again after every reconnect.
    public func subscribe(_ channel: String) {
        let connection = self.state.withLock { state -> RedisConnection? in
            state.channels.insert(channel).inserted ? state.subscriber : nil
        }
        connection?.sendFuture(["SUBSCRIBE", .string(channel)]).whenFailure { _ in }
    }

    /// Pattern-subscribes to `pattern`, now if connected and again after every reconnect.
    public func psubscribe(_ pattern: String) {
        let connection = self.state.withLock { state -> RedisConnection? in
            state.patterns.insert(pattern).inserted ? state.subscriber : nil
        }
        connection?.sendFuture(["PSUBSCRIBE", .string(pattern)]).whenFailure { _ in }
    }

    // MARK: - Connection upkeep

    private func keepConnected(subscribing: Bool) async {
        var backoff = Self.firstBackoff
        var reportedOutage = false
        while !Task.isCancelled {
            do {
                let connection = try await RedisConnection.connect(
                    to: self.url, eventLoopGroup: self.eventLoopGroup, clientName: "\(self.clientName)-\(subscribing ? "sub" : "pub")",
                    onMessage: subscribing ? self.onMessage : nil)
                let (channels, patterns) = subscribing ? self.state.withLock { ($0.channels, $0.patterns) } : ([], [])
                if subscribing {
                    for channel in channels { _ = try await connection.send(["SUBSCRIBE", .string(channel)]) }
                    for pattern in patterns { _ = try await connection.send(["PSUBSCRIBE", .string(pattern)]) }
                }
                // Subscriptions added while we were subscribing go out when the connection is set.
                let missed = self.state.withLock { state -> (Set<String>, Set<String>) in
                    if subscribing { state.subscriber = connection } else { state.publisher = connection }
                    return subscribing ? (state.channels.subtracting(channels), state.patterns.subtracting(patterns)) : ([], [])
                }
                if subscribing {
                    for channel in missed.0 { connection.sendFuture(["SUBSCRIBE", .string(channel)]).whenFailure { _ in } }
                    for pattern in missed.1 { connection.sendFuture(["PSUBSCRIBE", .string(pattern)]).whenFailure { _ in } }
                }
                if reportedOutage {
                    self.logger.info("redis connection restored", metadata: ["redis": "\(self.url)", "role": "\(subscribing ? "subscriber" : "publisher")"])
                }
                reportedOutage = false
                backoff = Self.firstBackoff
                await withTaskCancellationHandler {
                    try? await connection.closeFuture.get()
                } onCancel: {
                    connection.channel.close(promise: nil)
                }
                self.state.withLock { state in
                    if subscribing { state.subscriber = nil } else { state.publisher = nil }
                }
                if Task.isCancelled { return }
                self.logger.warning("redis connection lost; reconnecting", metadata: ["redis": "\(self.url)", "role": "\(subscribing ? "subscriber" : "publisher")"])
                reportedOutage = true
            } catch {
                if !reportedOutage {
                    self.logger.warning("cannot reach redis; retrying", metadata: ["redis": "\(self.url)", "error": "\(error)"])
                    reportedOutage = true
                }
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, Self.maxBackoff)
        }
    }
}
