import Logging
import NIOCore
import NIOPosix
import Synchronization
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SocketIORedisAdapter

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        let received = Watched<[RedisMessage]>([])
        let subscriber = try await RedisConnection.connect(to: url) { message in received.update { $0.append(message) } }
        let publisher = try await RedisConnection.connect(to: url)
        defer {
            Task {
                await subscriber.close()
                await publisher.close()
            }
        }
        let prefix = "sio-test-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await subscriber.send(["SUBSCRIBE", .string("\(prefix)-request#/#")])
        _ = try await subscriber.send(["PSUBSCRIBE", .string("\(prefix)#/#*")])
        let numsub = try await publisher.send(["PUBSUB", "NUMSUB", .string("\(prefix)-request#/#")])
        #expect(numsub.array?.last == .integer(1))
        #expect(try await publisher.send(["PUBLISH", .string("\(prefix)#/#room#"), .bytes(ByteBuffer(bytes: [0x93, 0xff]))]) == .integer(1))
        #expect(try await publisher.send(["PUBLISH", .string("\(prefix)-request#/#"), "{\"type\":1}"]) == .integer(1))
        // Both PUBLISH replies counted one receiver: the messages are on their way.
        let messages = try await received.wait { $0.count >= 2 ? $0 : nil }
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
        let received = Watched<[String]>([])
        let logged = Watched<[String]>([])
        let prefix = "sio-reconnect-\(UInt32.random(in: 0...UInt32.max))"
        let monitor = try await RedisMonitor.start(url)
        defer { monitor.close() }
        let logger = Logger(label: "redis") { _ in LogRecorder(messages: logged) }
        let client = RedisPubSubClient(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, clientName: prefix, logger: logger)
        let subscription = Task {
            try await client.subscribe(to: ["\(prefix)-plain"], patterns: ["\(prefix)#*"]) { messages in
                for await message in messages { received.update { $0.append(String(buffer: message.payload)) } }
            }
        }
        defer { subscription.cancel() }
        let running = Task { await client.run() }
        defer { running.cancel() }
        let admin = try await RedisConnection.connect(to: url)
        defer { Task { await admin.close() } }
        /// Waits until Redis ran the `time`th subscription of both, then checks it.
        func subscribed(time: Int) async throws {
            try await monitor.waitFor(#""SUBSCRIBE" "\#(prefix)-plain""#, count: time)
            try await monitor.waitFor(#""PSUBSCRIBE" "\#(prefix)#*""#, count: time)
            #expect(try await admin.send(["PUBSUB", "NUMSUB", .string("\(prefix)-plain")]).array?.last == .integer(1))
        }

        try await subscribed(time: 1)
        try await waitUntilConnected(client)
        #expect(client.publish("\(prefix)#a", ByteBuffer(string: "one")))
        try await received.wait { $0 == ["one"] }

        // The server drops both of the client's connections (as a restart would; only these, so
        // that other tests' connections live on); the client reconnects and subscribes again.
        let list = try await admin.send(["CLIENT", "LIST"]).string ?? ""
        let ids = list.split(separator: "\n").filter { $0.contains("name=\(prefix)-") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) }
        }
        #expect(ids.count == 2)
        for id in ids { _ = try await admin.send(["CLIENT", "KILL", "ID", .string(id)]) }
        // The client saw both connections go.
        try await logged.wait { $0.filter { $0.hasPrefix("redis connection lost") }.count == 2 }
        let droppedBefore = client.droppedPublishes
        if !client.publish("\(prefix)#a", ByteBuffer(string: "lost")) {
            #expect(client.droppedPublishes == droppedBefore + 1)
        }
        // Both come back, and the subscriptions with them.
        try await logged.wait { $0.filter { $0.hasPrefix("redis connection restored") }.count == 2 }
        try await subscribed(time: 2)
        #expect(client.publish("\(prefix)#b", ByteBuffer(string: "two")))
        try await received.wait { $0.contains("two") }
        _ = try await admin.send(["PUBLISH", .string("\(prefix)-plain"), "three"])
        try await received.wait { $0.contains("three") }
    }

    /// A subscription holds while its scope runs; then Redis is told to unsubscribe, and the
    /// client goes on.
    @Test func aSubscriptionEndsWithItsScope() async throws {
        let url = try #require(RealRedis.url)
        let prefix = "sio-scope-\(UInt32.random(in: 0...UInt32.max))"
        let monitor = try await RedisMonitor.start(url)
        defer { monitor.close() }
        let client = RedisPubSubClient(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, clientName: prefix)
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await waitUntilConnected(client)
        let heard = Watched<[String]>([])
        let scope = Task {
            try await client.subscribe(to: ["\(prefix)-a"], patterns: []) { messages in
                for await message in messages { heard.update { $0.append(String(buffer: message.payload)) } }
            }
        }
        try await monitor.waitFor(#""SUBSCRIBE" "\#(prefix)-a""#)
        #expect(try await client.numberOfSubscribers("\(prefix)-a") == 1)
        client.publish("\(prefix)-a", ByteBuffer(string: "in scope"))
        try await heard.wait { $0 == ["in scope"] }
        scope.cancel()
        _ = await scope.result
        try await monitor.waitFor(#""UNSUBSCRIBE" "\#(prefix)-a""#)
        #expect(try await client.numberOfSubscribers("\(prefix)-a") == 0)
        #expect(client.isConnected)
    }

    /// A command waiting for its reply (here `BLPOP`, which blocks) returns as soon as its task
    /// is cancelled, not when the reply comes.
    @Test func aCancelledCommandReturnsAtOnce() async throws {
        let url = try #require(RealRedis.url)
        let key = "sio-blpop-\(UInt32.random(in: 0...UInt32.max))"
        let blocked = try await RedisConnection.connect(to: url)
        let other = try await RedisConnection.connect(to: url)
        defer {
            Task {
                await blocked.close()
                await other.close()
            }
        }
        let monitor = try await RedisMonitor.start(url)
        defer { monitor.close() }
        let waiting = Task { try await blocked.send(["BLPOP", .string(key), "30"]) }
        // Redis runs the BLPOP, which blocks.
        try await monitor.waitFor(#""BLPOP" "\#(key)""#)
        let started = ContinuousClock.now
        waiting.cancel()
        // Without cancellation, only the push below (or BLPOP's own 30 s) would end the wait.
        // 5 s, not less: a loaded 2-core CI machine took 2.5 s to run the cancelled task.
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        #expect(ContinuousClock.now - started < .seconds(5))
        _ = try await other.send(["RPUSH", .string(key), "x"])
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

/// Returns once both of `client`'s connections are up.
func waitUntilConnected(_ client: RedisPubSubClient) async throws {
    await client.waitUntilConnected()
    #expect(client.isConnected)
}

/// A `MONITOR` connection to Redis: every command Redis runs arrives here as a line, such as
/// `+1700000000.000000 [0 127.0.0.1:5000] "SUBSCRIBE" "news"`. Redis runs one command at a
/// time, so once a command's line arrived, any command sent after runs after it.
final class RedisMonitor: Sendable {
    private let channel: any Channel
    private let text: Watched<String>

    private init(channel: any Channel, text: Watched<String>) {
        self.channel = channel
        self.text = text
    }

    static func start(_ url: RedisURL) async throws -> RedisMonitor {
        let text = Watched("")
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(text: text)) }
            }
            .connect(host: url.host, port: url.port).get()
        var command = ""
        if let password = url.password { command += "AUTH \(url.username.map { "\($0) " } ?? "")\(password)\r\n" }
        command += "MONITOR\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: command))
        try await text.wait { $0.contains("+OK\r\n") }
        return RedisMonitor(channel: channel, text: text)
    }

    /// Waits until Redis ran `count` commands whose line contains `command`.
    func waitFor(_ command: String, count: Int = 1) async throws {
        try await self.text.wait { $0.ranges(of: command).count >= count }
    }

    func close() { self.channel.close(promise: nil) }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let text: Watched<String>
        init(text: Watched<String>) { self.text = text }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let chunk = String(buffer: self.unwrapInboundIn(data))
            self.text.update { $0 += chunk }
        }
    }
}
