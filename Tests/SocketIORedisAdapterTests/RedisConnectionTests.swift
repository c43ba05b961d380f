#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
@_spi(Fuzzing) @testable import SocketIORedisAdapter
import Synchronization
import Testing

/// The Redis server these tests talk to: `REDIS_URL`, which `scripts/test.sh` sets after it
/// starts a real `redis-server` on a free loopback port. Under CI the tests run (and fail)
/// without it, so they can never pass by being skipped.
enum RealRedis {
    static let url: RedisURL? = getenv("REDIS_URL").flatMap { try? RedisURL(String(cString: $0)) }
    static let required = getenv("CI").map { String(cString: $0) == "true" } ?? false
    static var available: Bool { url != nil || required }
}

@Suite("RedisConnection against a real redis-server", .enabled(if: RealRedis.available))
struct RedisConnectionTests {
    @Test func pipelinedCommandsComeBackInOrder() async throws {
        let url = try #require(RealRedis.url)
        let redis = try await RedisConnection.connect(to: url)
        defer { Task { await redis.close() } }
        let key = "swift-socketio-test-\(UInt32.random(in: 0...UInt32.max))"
        // 200 commands in flight at once, answered in order.
        let futures = (0..<200).map { _ in redis.sendFuture(["INCR", .string(key)]) }
        var answers: [Int] = []
        for future in futures { answers.append(try await future.get().integer ?? -1) }
        #expect(answers == Array(1...200))
        #expect(try await redis.send(["DEL", .string(key)]) == .integer(1))
        await #expect(throws: RESPError.self) { try await redis.send(["NOSUCHCOMMAND"]) }
        // The connection survives an error reply.
        #expect(try await redis.send(["PING"]) == .simpleString("PONG"))
    }

    @Test func subscribePatternSubscribePublishAndNumsub() async throws {
        let url = try #require(RealRedis.url)
        let received = Mutex<[RedisMessage]>([])
        let subscriber = try await RedisConnection.connect(to: url) { message in received.withLock { $0.append(message) } }
        let publisher = try await RedisConnection.connect(to: url)
        defer { Task { await subscriber.close(); await publisher.close() } }
        let prefix = "sio-test-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await subscriber.send(["SUBSCRIBE", .string("\(prefix)-request#/#")])
        _ = try await subscriber.send(["PSUBSCRIBE", .string("\(prefix)#/#*")])
        let numsub = try await publisher.send(["PUBSUB", "NUMSUB", .string("\(prefix)-request#/#")])
        #expect(numsub.array?.last == .integer(1))
        #expect(try await publisher.send(["PUBLISH", .string("\(prefix)#/#room#"), .bytes(ByteBuffer(bytes: [0x93, 0xff]))]) == .integer(1))
        #expect(try await publisher.send(["PUBLISH", .string("\(prefix)-request#/#"), "{\"type\":1}"]) == .integer(1))
        for _ in 0..<500 where received.withLock({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(2)) }
        let messages = received.withLock { $0 }
        #expect(messages.count == 2)
        #expect(messages.first == RedisMessage(channel: "\(prefix)#/#room#", pattern: "\(prefix)#/#*", payload: ByteBuffer(bytes: [0x93, 0xff])))
        #expect(messages.last?.payload == ByteBuffer(string: "{\"type\":1}"))
    }

    @Test func authAndSelectFromTheURL() async throws {
        var url = try #require(RealRedis.url)
        url.database = 3
        let redis = try await RedisConnection.connect(to: url)
        defer { Task { await redis.close() } }
        #expect(try await redis.send(["CLIENT", "INFO"]).string?.contains("db=3") == true)
        // A wrong password is refused with the server's error, not a hang.
        url.password = "wrong"
        await #expect(throws: RESPError.self) { _ = try await RedisConnection.connect(to: url) }
    }
}

@Suite("RedisPubSubClient: reconnects, resubscribes, drops while down", .enabled(if: RealRedis.available))
struct RedisPubSubClientTests {
    @Test func subscriptionsComeBackAfterTheServerDropsTheConnections() async throws {
        let url = try #require(RealRedis.url)
        let received = Mutex<[String]>([])
        let prefix = "sio-reconnect-\(UInt32.random(in: 0...UInt32.max))"
        let client = RedisPubSubClient(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, clientName: prefix)
        let subscription = Task {
            try await client.subscribe(to: ["\(prefix)-plain"], patterns: ["\(prefix)#*"]) { messages in
                for await message in messages { received.withLock { $0.append(String(buffer: message.payload)) } }
            }
        }
        defer { subscription.cancel() }
        let running = Task { await client.run() }
        defer { running.cancel() }
        let admin = try await RedisConnection.connect(to: url)
        defer { Task { await admin.close() } }
        @Sendable func subscribed() async -> Bool {
            guard client.isConnected else { return false }
            return (try? await client.numberOfSubscribers("\(prefix)-plain")) == 1
        }

        try await waitUntil { await subscribed() }
        #expect(client.publish("\(prefix)#a", ByteBuffer(string: "one")))
        try await waitUntil { received.withLock { $0 } == ["one"] }

        // The server drops both of the client's connections (as a restart would; only these, so
        // that other tests' connections live on); the client reconnects and subscribes again.
        let list = try await admin.send(["CLIENT", "LIST"]).string ?? ""
        let ids = list.split(separator: "\n").filter { $0.contains("name=\(prefix)-") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) }
        }
        #expect(ids.count == 2)
        for id in ids { _ = try await admin.send(["CLIENT", "KILL", "ID", .string(id)]) }
        try await waitUntil { !client.isConnected }
        let droppedBefore = client.droppedPublishes
        if !client.publish("\(prefix)#a", ByteBuffer(string: "lost")) {
            #expect(client.droppedPublishes == droppedBefore + 1)
        }
        try await waitUntil { await subscribed() }
        try await waitUntil {
            // The pattern subscription may still be on its way: publish until it is heard.
            _ = client.publish("\(prefix)#b", ByteBuffer(string: "two"))
            return received.withLock { $0.contains("two") }
        }
        _ = try await admin.send(["PUBLISH", .string("\(prefix)-plain"), "three"])
        try await waitUntil { received.withLock { $0.contains("three") } }
    }

    /// A subscription holds while its scope runs; then Redis is told to unsubscribe, and the
    /// client goes on.
    @Test func aSubscriptionEndsWithItsScope() async throws {
        let url = try #require(RealRedis.url)
        let prefix = "sio-scope-\(UInt32.random(in: 0...UInt32.max))"
        let client = RedisPubSubClient(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, clientName: prefix)
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await waitUntil { client.isConnected }
        let heard = Mutex<[String]>([])
        let scope = Task {
            try await client.subscribe(to: ["\(prefix)-a"], patterns: []) { messages in
                for await message in messages { heard.withLock { $0.append(String(buffer: message.payload)) } }
            }
        }
        try await waitUntil { (try? await client.numberOfSubscribers("\(prefix)-a")) == 1 }
        client.publish("\(prefix)-a", ByteBuffer(string: "in scope"))
        try await waitUntil { heard.withLock { $0 } == ["in scope"] }
        scope.cancel()
        _ = await scope.result
        try await waitUntil { (try? await client.numberOfSubscribers("\(prefix)-a")) == 0 }
        #expect(client.isConnected)
    }

    /// A command waiting for its reply (here `BLPOP`, which blocks) returns as soon as its task
    /// is cancelled, not when the reply comes.
    @Test func aCancelledCommandReturnsAtOnce() async throws {
        let url = try #require(RealRedis.url)
        let key = "sio-blpop-\(UInt32.random(in: 0...UInt32.max))"
        let blocked = try await RedisConnection.connect(to: url)
        let other = try await RedisConnection.connect(to: url)
        defer { Task { await blocked.close(); await other.close() } }
        let waiting = Task { try await blocked.send(["BLPOP", .string(key), "10"]) }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        waiting.cancel()
        // Without cancellation, only this push (2 s later) would end the wait.
        let unblock = Task {
            try await Task.sleep(for: .seconds(2))
            try await other.send(["RPUSH", .string(key), "x"])
        }
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        #expect(ContinuousClock.now - started < .seconds(1))
        _ = try await unblock.value
        // The connection stays in step: the late BLPOP reply is matched and dropped.
        #expect(try await blocked.send(["PING"]) == .simpleString("PONG"))
        _ = try await other.send(["DEL", .string(key)])
    }

    @Test func anUnreachableServerIsRetriedAndPublishesAreDropped() async throws {
        // A loopback port with nothing listening.
        let client = RedisPubSubClient(url: RedisURL(host: "127.0.0.1", port: 1), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let running = Task { await client.run() }
        defer { running.cancel() }
        for _ in 0..<3 { #expect(!client.publish("x", ByteBuffer(string: "y"))) }
        #expect(client.droppedPublishes == 3)
        await #expect(throws: RESPError.notConnected) { _ = try await client.numberOfSubscribers("x") }
    }
}

/// Polls `condition` every 10 ms for at most 10 s.
func waitUntil(_ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met in 10 s")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
