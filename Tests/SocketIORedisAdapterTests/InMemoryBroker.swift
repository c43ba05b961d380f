import NIOCore
@_spi(Fuzzing) import SocketIORedisAdapter
import Synchronization
import TestSupport

/// An in-memory pub/sub broker with Redis' semantics for what the cluster adapter uses:
/// channels, glob patterns with `*`, per-subscriber ordered delivery, NUMSUB, and subscriptions
/// scoped to `subscribe(to:patterns:process:)`. Several `RedisClusterAdapter`s on one broker
/// form a cluster without Redis.
final class InMemoryBroker: Sendable {
    final class Client: ClusterPubSub {
        private struct Scope {
            var channels: Set<String>
            var patterns: Set<String>
            var messages: AsyncStream<RedisMessage>.Continuation
        }

        private struct State {
            /// A fake peer's subscriptions, for its whole life (`subscribe(_:)`).
            var channels: Set<String> = []
            var patterns: Set<String> = []
            var scopes: [Int: Scope] = [:]
            var nextScope = 0
        }

        let broker: InMemoryBroker
        private let state = Mutex(State())
        /// Counts the changes of the subscriptions, for waits on them.
        private let subscriptionChanges = Watched(0)
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

        func subscribe(
            to channels: Set<String>,
            patterns: Set<String>,
            process: (AsyncStream<RedisMessage>) async throws -> Void
        ) async throws {
            let (messages, continuation) = AsyncStream.makeStream(of: RedisMessage.self)
            let id = self.state.withLock { state in
                defer { state.nextScope += 1 }
                state.scopes[state.nextScope] = Scope(channels: channels, patterns: patterns, messages: continuation)
                return state.nextScope
            }
            self.subscriptionChanges.update { $0 += 1 }
            defer {
                _ = self.state.withLock { $0.scopes.removeValue(forKey: id) }
                self.subscriptionChanges.update { $0 += 1 }
                continuation.finish()
            }
            try await process(messages)
        }

        func numberOfSubscribers(_ channel: String) async throws -> Int { self.broker.numberOfSubscribers(channel) }

        /// A fake peer's lifelong subscription; its messages go to `onMessage`.
        func subscribe(_ channel: String) {
            self.state.withLock { _ = $0.channels.insert(channel) }
            self.subscriptionChanges.update { $0 += 1 }
        }

        /// Returns once this client is subscribed to `channel` (at once if it is).
        func waitUntilSubscribed(to channel: String) async throws {
            try await self.subscriptionChanges.wait { [self] _ in self.isSubscribed(channel) }
        }

        /// Whether this client is subscribed to `channel` now, for good or in a scope.
        func isSubscribed(_ channel: String) -> Bool {
            self.state.withLock { state in
                state.channels.contains(channel) || state.scopes.values.contains { $0.channels.contains(channel) }
            }
        }

        /// How many scopes are open.
        var openScopes: Int { self.state.withLock { $0.scopes.count } }

        func deliver(channel: String, payload: ByteBuffer) {
            self.state.withLock { state in
                if state.channels.contains(channel) { self.inbox.yield(RedisMessage(channel: channel, pattern: nil, payload: payload)) }
                for pattern in state.patterns where InMemoryBroker.matches(pattern, channel) {
                    self.inbox.yield(RedisMessage(channel: channel, pattern: pattern, payload: payload))
                }
                for scope in state.scopes.values {
                    if scope.channels.contains(channel) { scope.messages.yield(RedisMessage(channel: channel, pattern: nil, payload: payload)) }
                    for pattern in scope.patterns where InMemoryBroker.matches(pattern, channel) {
                        scope.messages.yield(RedisMessage(channel: channel, pattern: pattern, payload: payload))
                    }
                }
            }
        }
    }

    private let clients = Mutex<[Client]>([])
    /// Every publish, for tests that look at the wire.
    let published = Watched<[(channel: String, payload: ByteBuffer)]>([])

    func makeClient(_ onMessage: @escaping @Sendable (RedisMessage) -> Void = { _ in }) -> Client {
        let client = Client(broker: self, onMessage: onMessage)
        self.clients.withLock { $0.append(client) }
        return client
    }

    func publish(_ channel: String, _ payload: ByteBuffer) {
        self.published.update { $0.append((channel, payload)) }
        for client in self.clients.withLock({ $0 }) {
            client.deliver(channel: channel, payload: payload)
        }
    }

    /// Returns once `nodes` servers have answered a Node request published now on the request
    /// channel of `/`. A server handles the messages of its subscription in order, so by then
    /// it has handled every request published before: a marker instead of a sleep.
    func requestsHandled(byNodes nodes: Int) async throws {
        let id = "marker-\(UInt32.random(in: 0...UInt32.max))"
        let answers = Watched(0)
        let listener = self.makeClient { message in
            if String(buffer: message.payload).contains(id) { answers.update { $0 += 1 } }
        }
        listener.subscribe("socket.io-response#/#")
        self.publish("socket.io-request#/#", ByteBuffer(string: #"{"uid":"marker","requestId":"\#(id)","type":1}"#))
        try await answers.wait { $0 >= nodes }
    }

    func numberOfSubscribers(_ channel: String) -> Int {
        self.clients.withLock { $0 }.filter { $0.isSubscribed(channel) }.count
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
