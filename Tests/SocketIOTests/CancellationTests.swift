import EngineIO
import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTesting
import TestSupport
import Testing

/// Issue 11: waits honour cancellation. A cancelled `emitWithAck` (to a socket or a broadcast)
/// returns at once, whatever its timeout; the timeouts are event-loop timers.
@Suite("Cancelled waits return at once")
struct CancellationTests {
    @Test func aCancelledSocketEmitWithAckReturnsAtOnce() async throws {
        let results = Recorder<String>()
        let waiting = Recorder<Task<Void, Never>>()
        let server = try await LiveServer.start { io in
            io.onConnection { socket in
                let task = Task {
                    let started = ContinuousClock.now
                    do {
                        _ = try await socket.emitWithAck("never answered", timeout: .seconds(60))
                        await results.append("answered")
                    } catch {
                        let quick = ContinuousClock.now - started < .seconds(5)
                        await results.append("\(error is CancellationError) \(quick)")
                    }
                }
                Task { await waiting.append(task) }
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        #expect(await client.nextText()?.contains("never answered") == true)
        let task = try #require(await waiting.wait(for: 1).first)
        task.cancel()
        #expect(await results.wait(for: 1) == ["true true"])
        await client.close()
    }

    @Test func aCancelledBroadcastEmitWithAckReturnsAtOnce() async throws {
        let io = SocketIOServer()
        let client = try await SocketIOTestClient.connect(to: io)
        // The client never answers.
        let task = Task { try await io.timeout(.seconds(60)).emitWithAck("vote", "?") }
        // The client got the question: the broadcast is waiting for its answer.
        #expect(try await client.next("vote").args == ["?"])
        // Measured from the cancel (not from the connect, which a loaded machine makes slow).
        let started = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(ContinuousClock.now - started < .seconds(5))
        await client.disconnect()
    }

    @Test func aBroadcastEmitWithAckStillTimesOut() async throws {
        let io = SocketIOServer()
        let client = try await SocketIOTestClient.connect(to: io)
        await #expect(throws: AckError.timeout) { _ = try await io.timeout(.milliseconds(100)).emitWithAck("vote", "?") }
        await client.disconnect()
    }
}
