import SocketIO
import SocketIOTesting
import Synchronization
import Testing

@testable import SocketIO

/// Server-side emits with a reply closure, and `emitWithAck` awaited inside a handler: neither
/// holds up the socket's next events (issue 15). Handlers still start in arrival order.
@Suite("Acks that do not block the socket's queue")
struct AckWithoutBlockingTests {
    /// The case of issue 15: the client answers the server's question only once a later event
    /// of its own has had its reply. With the queue held by the asking handler, that later
    /// event waited behind it and both sides waited for good.
    @Test func aHandlerAwaitingAnAckLetsLaterEventsThrough() async throws {
        let io = SocketIOServer()
        io.on("ask") { (socket: Socket, question: String) async throws -> String in
            let reply = try await socket.timeout(.seconds(3)).emitWithAck("question", .string(question))
            return "the client said \(reply.first?.stringValue ?? "nothing")"
        }
        io.on("release") { _, _ in ["released"] }
        let client = try await SocketIOTestClient.connect(to: io)
        client.onAck("question") { [weak client] _ in
            let released = (try? await client?.emitWithAck("release", timeout: .seconds(2))) ?? []
            return [.string("yes, after \(released.first?.stringValue ?? "a timeout")")]
        }
        let answer = try await client.emitWithAck("ask", "ready?", timeout: .seconds(5))
        #expect(answer == ["the client said yes, after released"])
        await client.disconnect()
    }

    /// The same through a broadcast with acks awaited in a handler.
    @Test func aHandlerAwaitingABroadcastAckLetsLaterEventsThrough() async throws {
        let io = SocketIOServer()
        io.on("poll") { (socket: Socket, _: SocketIOValue) async throws -> [SocketIOValue] in
            try await io.timeout(.seconds(3)).emitWithAck("vote", arguments: [])
        }
        io.on("release") { _, _ in ["released"] }
        let client = try await SocketIOTestClient.connect(to: io)
        client.onAck("vote") { [weak client] _ in
            let released = (try? await client?.emitWithAck("release", timeout: .seconds(2))) ?? []
            return released
        }
        // One client, whose answer is the reply its `release` got.
        #expect(try await client.emitWithAck("poll", timeout: .seconds(5)) == [["released"]])
        await client.disconnect()
    }

    /// Node's order: each handler starts after the previous one has started, in packet order,
    /// and one that does not wait for an ack still finishes before the next starts.
    @Test func handlersStillStartInArrivalOrder() async throws {
        let io = SocketIOServer()
        let log = SharedBox<[String]>([])
        io.on("first") { socket, _ in
            log.withLock { $0.append("first started") }
            _ = try await socket.timeout(.seconds(3)).emitWithAck("question")
            log.withLock { $0.append("first finished") }
            return ["first"]
        }
        for name in ["second", "third"] {
            io.on(name) { _, _ in
                log.withLock { $0.append("\(name) started") }
                await Task.yield()
                log.withLock { $0.append("\(name) finished") }
                return [.string(name)]
            }
        }
        let client = try await SocketIOTestClient.connect(to: io)
        let answer = SharedBox<CheckedContinuation<Void, Never>?>(nil)
        client.onAck("question") { _ in
            // Answers once the test says so: after `second` and `third` have run.
            await withCheckedContinuation { continuation in answer.withLock { $0 = continuation } }
            return []
        }
        async let first = client.emitWithAck("first", timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await client.emitWithAck("second") == ["second"])
        #expect(try await client.emitWithAck("third") == ["third"])
        while answer.withLock({ $0 == nil }) { try await Task.sleep(for: .milliseconds(5)) }
        answer.withLock { $0?.resume() }
        #expect(try await first == ["first"])
        #expect(
            log.withLock { $0 } == [
                "first started", "second started", "second finished", "third started", "third finished", "first finished",
            ]
        )
        await client.disconnect()
    }

    @Test func replyClosureGetsTheAckWithoutWaiting() async throws {
        let io = SocketIOServer()
        let replies = SharedBox<[[SocketIOValue]]>([])
        io.on("start") { socket, _ in
            // Node: `socket.emit("ask", 5, (a, b) => …)`; the handler returns at once.
            try socket.emit("ask", 5) { reply in
                replies.withLock { $0.append(reply) }
                try? socket.emit("got it", arguments: reply)
            }
            return ["asked"]
        }
        let client = try await SocketIOTestClient.connect(to: io)
        client.onAck("ask") { args in [.int((args.first?.intValue ?? 0) + 1), ["test": true]] }
        #expect(try await client.emitWithAck("start") == ["asked"])
        let gotIt = try await client.next("got it")
        #expect(gotIt.args == [6, ["test": true]])
        #expect(replies.withLock { $0 } == [[6, ["test": true]]])
        await client.disconnect()
    }

    @Test func timeoutReplyClosureGetsTheAckOrTheTimeout() async throws {
        let io = SocketIOServer()
        io.on("start") { socket, args in
            let event = args.first?.stringValue ?? ""
            // A second: with 200 ms a loaded 2-core machine timed out the answered case too.
            try socket.timeout(.seconds(1)).emit(event, "x") { result in
                switch result {
                case .success(let reply): try? socket.emit("outcome", arguments: ["reply"] + reply)
                case .failure(let error): try? socket.emit("outcome", .string("\(error as? AckError == .timeout ? "timeout" : "\(error)")"))
                }
            }
            return nil
        }
        let client = try await SocketIOTestClient.connect(to: io)
        client.onAck("answered") { args in args }
        client.emit("start", "answered")
        #expect(try await client.next("outcome").args == ["reply", "x"])
        client.emit("start", "ignored")  // the client has no ack handler for it
        #expect(try await client.next("outcome", timeout: .seconds(5)).args == ["timeout"])
        await client.disconnect()
    }

    @Test func replyClosureOnADisconnectedSocketThrows() async throws {
        let io = SocketIOServer()
        let socketBox = SharedBox<Socket?>(nil)
        io.onConnection { socket in socketBox.withLock { $0 = socket } }
        let client = try await SocketIOTestClient.connect(to: io)
        await client.disconnect()
        let socket = try #require(socketBox.withLock { $0 })
        while socket.connected { try await Task.sleep(for: .milliseconds(5)) }
        #expect(throws: SocketIOError.disconnected) { try socket.emit("ask") { _ in } }
    }

    // MARK: - The queue itself

    @Test func releasingTheQueueHandsItToANewDrain() {
        var queue = SerialJobQueue()
        let started = queue.push(.async({}))
        #expect(started)  // idle: the caller starts drain 0
        var job = queue.next()
        #expect(job != nil)
        let waits = !queue.push(.async({}))
        #expect(waits)  // drain 0 runs: the job waits
        let first = queue.drain
        let handedOver = queue.release(first)
        #expect(handedOver)  // jobs wait: a new drain starts
        #expect(queue.drain != first)
        let again = queue.release(first)
        #expect(!again)  // an old drain releases nothing
        job = queue.next()
        #expect(job != nil)
        job = queue.next()
        #expect(job == nil && !queue.running)
    }

    @Test func releasingAnEmptyQueueLeavesItIdle() {
        var queue = SerialJobQueue()
        _ = queue.push(.async({}))
        _ = queue.next()
        let handedOver = queue.release(queue.drain)
        #expect(!handedOver)  // nothing waits: no drain to start
        #expect(!queue.running)
        let started = queue.push(.async({}))
        #expect(started)  // the next job starts a drain again
    }

    /// A task started in a handler inherits its job's lease and may outlive the job: its
    /// release must not let a later job's end go (found by review).
    @Test func aFinishedJobsLeaseReleasesNothing() {
        var queue = SerialJobQueue()
        _ = queue.push(.async({}))
        _ = queue.next()
        let first = (drain: queue.drain, job: queue.job)
        _ = queue.push(.async({}))
        _ = queue.push(.async({}))
        _ = queue.next()  // the first job ended; the same drain runs the second
        let late = queue.release(first.drain, job: first.job)
        #expect(!late)
        #expect(queue.drain == first.drain)  // the second job still holds up the third
        let own = queue.release(queue.drain, job: queue.job)
        #expect(own)
    }
}
