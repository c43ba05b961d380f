import EngineIO
import SocketIO
import SocketIOProtocol
import SocketIOTesting
import Synchronization
import TestSupport
import Testing

/// Synchronous handlers (closures without `await`) run without a Swift task per event
/// (issue 6), and keep every guarantee of the async ones: arrival order, acks, errors to
/// `onError`, per-packet middleware first.
@Suite("Synchronous event handlers")
struct SyncHandlerTests {
    /// Whether the caller runs inside a Swift task.
    static func inTask() -> Bool { withUnsafeCurrentTask { $0 != nil } }

    @Test func aSyncHandlerRunsWithoutATaskAndAcks() async throws {
        let io = SocketIOServer()
        io.on("sync") { _, args in [.bool(Self.inTask())] + args }
        io.on("async") { _, args in
            await Task.yield()
            return [.bool(Self.inTask())] + args
        }
        let client = try await SocketIOTestClient.connect(to: io)
        #expect(try await client.emitWithAck("sync", 1) == [false, 1])
        #expect(try await client.emitWithAck("async", 2) == [true, 2])
        await client.disconnect()
    }

    @Test func typedHandlersWithoutAwaitRunWithoutATask() async throws {
        let io = SocketIOServer()
        io.on("namespace-typed") { (_: Socket, n: Int) -> [Bool] in [Self.inTask(), n == 7] }
        io.on("namespace-typed-async") { (_: Socket, n: Int) async throws -> Bool in
            await Task.yield()
            return Self.inTask() && n == 8
        }
        io.on(connection: { socket in
            socket.on("socket-typed") { (socket, a: Int, b: String) -> String in "\(Self.inTask()) \(a) \(b)" }
        })
        let client = try await SocketIOTestClient.connect(to: io)
        #expect(try await client.emitWithAck("namespace-typed", 7) == [[false, true]])
        #expect(try await client.emitWithAck("namespace-typed-async", 8) == [true])
        #expect(try await client.emitWithAck("socket-typed", 1, "x") == ["false 1 x"])
        await client.disconnect()
    }

    @Test func syncAndAsyncHandlersRunInArrivalOrder() async throws {
        let io = SocketIOServer()
        let order = Mutex<[String]>([])
        // The slow handler waits at the gate until the test opens it.
        let gate = Gate()
        defer { gate.open() }
        let sockets = Watched<[Socket]>([])
        io.on(connection: { socket in
            sockets.update { $0.append(socket) }
            socket.on("slow") { _, _ in
                await gate.wait()
                order.withLock { $0.append("slow") }
                return nil
            }
            socket.on("fast") { _, args in
                order.withLock { $0.append("fast \(args[0])") }
                return args
            }
        })
        let client = try await SocketIOTestClient.connect(to: io)
        let socket = try await sockets.wait { $0.first }
        client.emit("fast", 1)
        client.emit("slow")
        client.emit("fast", 2)
        // The three events reached the socket and what they started ran, on its loop: the
        // synchronous "fast 2" does not overtake the slow handler still waiting.
        try await socket.engine.eventLoop.runQueuedJobs()
        #expect(order.withLock { $0 } == ["fast 1"])
        gate.open()
        #expect(try await client.emitWithAck("fast", 3) == [3])
        #expect(order.withLock { $0 } == ["fast 1", "slow", "fast 2", "fast 3"])
        await client.disconnect()
    }

    struct Refused: Error {}

    @Test func aSyncHandlerErrorReachesOnError() async throws {
        let io = SocketIOServer()
        let failures = Mutex<[String]>([])
        io.onError { _, event, error in failures.withLock { $0.append("\(event): \(error is Refused)") } }
        io.on("fails") { _, _ in throw Refused() }
        io.on("works") { _, args in args }
        let client = try await SocketIOTestClient.connect(to: io)
        client.emit("fails")
        // The socket stays connected, and the error was reported before the next event ran.
        #expect(try await client.emitWithAck("works", "still") == ["still"])
        #expect(failures.withLock { $0 } == ["fails: true"])
        await client.disconnect()
    }

    @Test func packetMiddlewareStillRunsBeforeASyncHandler() async throws {
        let io = SocketIOServer()
        io.on(connection: { socket in
            socket.use { _, event, _ in
                if event == "blocked" { throw Refused() }
            }
        })
        let seen = Mutex<[String]>([])
        io.on("blocked") { _, _ in
            seen.withLock { $0.append("blocked") }
            return nil
        }
        io.on("allowed") { _, args in
            seen.withLock { $0.append("allowed") }
            return args
        }
        let client = try await SocketIOTestClient.connect(to: io)
        client.emit("blocked")
        #expect(try await client.emitWithAck("allowed", true) == [true])
        #expect(seen.withLock { $0 } == ["allowed"])
        await client.disconnect()
    }
}
