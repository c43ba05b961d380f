import CoreMetrics
package import Logging
package import NIOCore
import Synchronization

/// What a cluster adapter needs from Redis, over two connections that reconnect on their own:
/// one publishes (and asks `PUBSUB NUMSUB`), one holds the subscriptions.
///
/// - While the publishing connection is down, ``publish(_:_:)`` drops the message and counts
///   it (``droppedPublishes``): nothing is buffered, so an outage cannot grow memory.
/// - Subscriptions are scoped (``subscribe(to:patterns:process:)``): Redis is asked for a
///   channel while some scope wants it, and told `UNSUBSCRIBE` when the last one ends. When the
///   subscribing connection comes back, every channel and pattern still wanted is subscribed again.
/// - Reconnects back off exponentially, from 50 ms to at most 5 s, and log once per outage
///   (``RedisReconnectLoop``).
///
/// ```swift
/// let redis = RedisPubSubClient(url: try RedisURL("redis://127.0.0.1:6379/0"), eventLoopGroup: group)
/// Task { await redis.run() }          // until the task is cancelled
/// try await redis.subscribe(to: [], patterns: ["socket.io#*"]) { messages in
///     for await message in messages { … }
/// }
/// ```
package final class RedisPubSubClient: Sendable {
    package let url: RedisURL
    private let logger: Logger
    /// `socketio_redis_publishes_dropped_total`, in the process's metrics backend: made once.
    private let droppedCounter = Counter(label: "socketio_redis_publishes_dropped_total")
    private let eventLoopGroup: any EventLoopGroup
    /// Prefix of the connections' names in `CLIENT LIST` (`<name>-pub`, `<name>-sub`).
    package let clientName: String
    /// Whether the subscribing connection is kept too (a write-only emitter has none).
    package let subscribes: Bool

    /// One open ``subscribe(to:patterns:process:)`` scope.
    private struct Scope {
        var channels: Set<String>
        var patterns: Set<String>
        var messages: AsyncStream<RedisMessage>.Continuation
    }

    private struct State {
        var publisher: RedisConnection?
        var subscriber: RedisConnection?
        var scopes: [Int: Scope] = [:]
        var nextScope = 0
        var dropped = 0
        /// Tasks waiting for both connections (``waitUntilConnected()``).
        var connectionWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0

        /// What Redis must be subscribed to: the union of the open scopes.
        var channels: Set<String> { self.scopes.values.reduce(into: []) { $0.formUnion($1.channels) } }
        var patterns: Set<String> { self.scopes.values.reduce(into: []) { $0.formUnion($1.patterns) } }
    }

    /// Behind a `Mutex`, not in an actor: the subscribing connection's handler reads it on its
    /// event loop for every message and cannot `await`; no lock is held across a suspension.
    private let state = Mutex(State())

    /// Reads the publishing connection's replies (its limits bound what one reply may keep).
    private let commandParser: RESPParser
    /// Reads the subscribing connection's messages.
    private let subscriberParser: RESPParser

    package init(
        url: RedisURL,
        eventLoopGroup: any EventLoopGroup,
        clientName: String = "socketio",
        subscribes: Bool = true,
        commandParser: RESPParser = RESPParser(),
        subscriberParser: RESPParser = RESPParser(),
        logger: Logger = Logger(label: "socketio.redis")
    ) {
        self.url = url
        self.commandParser = commandParser
        self.subscriberParser = subscriberParser
        self.clientName = clientName
        self.subscribes = subscribes
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Keeps both connections up until the calling task is cancelled; then closes them.
    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepConnected(subscribing: false) }
            if self.subscribes { group.addTask { await self.keepConnected(subscribing: true) } }
        }
    }

    /// Whether the connections are up now.
    /// Returns once the connections are up (at once if they are): what a caller waits for
    /// instead of polling ``isConnected``. Cancelling the task ends the wait at once.
    package func waitUntilConnected() async {
        let id = self.state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = self.state.withLock { state -> Bool in
                    if state.publisher != nil, state.subscriber != nil || !self.subscribes { return true }
                    state.connectionWaiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
                if Task.isCancelled { self.endWait(id) }
            }
        } onCancel: {
            self.endWait(id)
        }
    }

    private func endWait(_ id: Int) {
        self.state.withLock { $0.connectionWaiters.removeValue(forKey: id) }?.resume()
    }

    package var isConnected: Bool { self.state.withLock { $0.publisher != nil && ($0.subscriber != nil || !self.subscribes) } }

    /// Messages not published because the publishing connection was down.
    package var droppedPublishes: Int { self.state.withLock { $0.dropped } }

    /// Publishes `payload` on `channel`, without waiting for Redis. Returns `false` (and counts
    /// the message as dropped) when the connection is down.
    @discardableResult
    package func publish(_ channel: String, _ payload: ByteBuffer) -> Bool {
        guard
            let publisher = self.state.withLock({ state -> RedisConnection? in
                if state.publisher == nil { state.dropped += 1 }
                return state.publisher
            })
        else {
            self.droppedCounter.increment()
            return false
        }
        publisher.sendFuture(["PUBLISH", .string(channel), .bytes(payload)]).whenFailure { [logger] error in
            logger.debug("publish failed", metadata: ["channel": "\(channel)", "error": "\(error)"])
        }
        return true
    }

    /// Sends any command on the publishing connection without waiting; the future fails with
    /// ``RESPError/notConnected`` while it is down. Commands sent from one thread go out, and
    /// are answered, in the order they were sent.
    package func sendFuture(_ arguments: [RESPArgument], on eventLoop: any EventLoop) -> EventLoopFuture<RESPValue> {
        guard let publisher = self.state.withLock({ $0.publisher }) else { return eventLoop.makeFailedFuture(RESPError.notConnected) }
        return publisher.sendFuture(arguments)
    }

    /// Sends any command on the publishing connection; cancelling the task stops the wait.
    /// - Throws: ``RESPError/notConnected`` while it is down, or the command's error.
    package func send(_ arguments: [RESPArgument]) async throws -> RESPValue {
        guard let publisher = self.state.withLock({ $0.publisher }) else { throw RESPError.notConnected }
        return try await publisher.send(arguments)
    }

    /// How many connections subscribe to `channel` (`PUBSUB NUMSUB`): the number of nodes.
    package func numberOfSubscribers(_ channel: String) async throws -> Int {
        let reply = try await self.send(["PUBSUB", "NUMSUB", .string(channel)])
        guard let count = reply.array?.last?.integer else { throw RESPError.protocolError("unexpected NUMSUB reply") }
        return count
    }

    /// Subscribes to `channels` and `patterns` while `process` runs, now if connected and again
    /// after every reconnect; `process` gets their messages. When it returns, what no other
    /// scope wants is unsubscribed.
    package func subscribe(
        to channels: Set<String>,
        patterns: Set<String>,
        process: (AsyncStream<RedisMessage>) async throws -> Void
    ) async throws {
        // Unbounded, like the socket buffer it drains: the reader only routes each message.
        let (messages, continuation) = AsyncStream.makeStream(of: RedisMessage.self)
        let (id, connection, newChannels, newPatterns) = self.state.withLock { state in
            let (oldChannels, oldPatterns) = (state.channels, state.patterns)
            let id = state.nextScope
            state.nextScope += 1
            state.scopes[id] = Scope(channels: channels, patterns: patterns, messages: continuation)
            return (id, state.subscriber, channels.subtracting(oldChannels), patterns.subtracting(oldPatterns))
        }
        if let connection {
            for channel in newChannels.sorted() { connection.sendFuture(["SUBSCRIBE", .string(channel)]).whenFailure { _ in } }
            for pattern in newPatterns.sorted() { connection.sendFuture(["PSUBSCRIBE", .string(pattern)]).whenFailure { _ in } }
        }
        defer {
            let (connection, goneChannels, gonePatterns) = self.state.withLock { state in
                state.scopes[id] = nil
                return (state.subscriber, channels.subtracting(state.channels), patterns.subtracting(state.patterns))
            }
            continuation.finish()
            if let connection {
                for channel in goneChannels.sorted() { connection.sendFuture(["UNSUBSCRIBE", .string(channel)]).whenFailure { _ in } }
                for pattern in gonePatterns.sorted() { connection.sendFuture(["PUNSUBSCRIBE", .string(pattern)]).whenFailure { _ in } }
            }
        }
        try await process(messages)
    }

    /// What the subscribing connection calls for each message.
    private var dispatcher: @Sendable (RedisMessage) -> Void {
        { [weak self] message in self?.dispatch(message) }
    }

    /// A message from the subscribing connection, to every scope it was subscribed for.
    private func dispatch(_ message: RedisMessage) {
        self.state.withLock { state in
            for scope in state.scopes.values {
                let wanted = message.pattern.map { scope.patterns.contains($0) } ?? scope.channels.contains(message.channel)
                if wanted { scope.messages.yield(message) }
            }
        }
    }

    // MARK: - Connection upkeep

    private func keepConnected(subscribing: Bool) async {
        let loop = RedisReconnectLoop(
            url: self.url,
            eventLoopGroup: self.eventLoopGroup,
            clientName: "\(self.clientName)-\(subscribing ? "sub" : "pub")",
            role: subscribing ? "subscriber" : "publisher",
            parser: subscribing ? self.subscriberParser : self.commandParser,
            onMessage: subscribing ? self.dispatcher : nil,
            logger: self.logger
        )
        await loop.run { connection, ready in
            defer {
                self.state.withLock { state in
                    if subscribing { state.subscriber = nil } else { state.publisher = nil }
                }
            }
            let (channels, patterns) = subscribing ? self.state.withLock { ($0.channels, $0.patterns) } : ([], [])
            if subscribing {
                for channel in channels { _ = try await connection.send(["SUBSCRIBE", .string(channel)]) }
                for pattern in patterns { _ = try await connection.send(["PSUBSCRIBE", .string(pattern)]) }
            }
            // Subscriptions added while we were subscribing go out when the connection is set.
            let (missed, waiters) = self.state.withLock { state -> ((Set<String>, Set<String>), [CheckedContinuation<Void, Never>]) in
                if subscribing { state.subscriber = connection } else { state.publisher = connection }
                var waiters: [CheckedContinuation<Void, Never>] = []
                if state.publisher != nil, state.subscriber != nil || !self.subscribes {
                    waiters = Array(state.connectionWaiters.values)
                    state.connectionWaiters = [:]
                }
                return (subscribing ? (state.channels.subtracting(channels), state.patterns.subtracting(patterns)) : ([], []), waiters)
            }
            ready()
            for waiter in waiters { waiter.resume() }
            if subscribing {
                for channel in missed.0 { connection.sendFuture(["SUBSCRIBE", .string(channel)]).whenFailure { _ in } }
                for pattern in missed.1 { connection.sendFuture(["PSUBSCRIBE", .string(pattern)]).whenFailure { _ in } }
            }
            try? await connection.closeFuture.get()
        }
    }
}
