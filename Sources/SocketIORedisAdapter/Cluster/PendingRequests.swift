import NIOCore
import NIOPosix
import SocketIO
import SocketIOProtocol
import Synchronization

/// Requests to other servers waiting for their answers, by request id: each completes with
/// the answers once `expected` have arrived, or fails when its time is up.
final class PendingRequests: Sendable {
    private struct Waiting {
        var expected: Int
        var answers: [SocketIOValue] = []
        var continuation: CheckedContinuation<[SocketIOValue], any Error>
        var timer: Scheduled<Void>?
    }

    /// Streams for broadcasts with acks: client counts and acks, kept until their timeout.
    struct AckStream: Sendable {
        let onClientCount: @Sendable (Int) -> Void
        let onAck: @Sendable (SocketIOValue) -> Void
    }

    private let waiting = Mutex<[String: Waiting]>([:])
    private let ackStreams = Mutex<[String: AckStream]>([:])
    /// Where the timeouts run: event-loop timers, not tasks that sleep.
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) {
        self.eventLoop = eventLoop
    }

    /// Waits for `expected` answers to request `id` (sent by `send`, after registration).
    func wait(for id: String, expected: Int, timeout: Duration, operation: String, send: () -> Void) async throws -> [SocketIOValue] {
        guard expected > 0 else {
            send()
            return []
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let timer = self.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                    self.fail(id, AdapterError.timeout(operation))
                }
                self.waiting.withLock { $0[id] = Waiting(expected: expected, continuation: continuation, timer: timer) }
                // Cancelled before the request was registered: the handler below found nothing.
                if Task.isCancelled { return self.fail(id, CancellationError()) }
                send()
            }
        } onCancel: {
            self.fail(id, CancellationError())
        }
    }

    /// Ends request `id` with `error`, if it still waits.
    private func fail(_ id: String, _ error: any Error) {
        guard let entry = self.waiting.withLock({ $0.removeValue(forKey: id) }) else { return }
        entry.timer?.cancel()
        entry.continuation.resume(throwing: error)
    }

    /// One answer to request `id`; unknown ids (someone else's, or too late) are ignored.
    func answer(_ id: String, _ value: SocketIOValue) {
        let done = self.waiting.withLock { table -> Waiting? in
            guard var entry = table[id] else { return nil }
            entry.answers.append(value)
            if entry.answers.count >= entry.expected {
                table[id] = nil
                return entry
            }
            table[id] = entry
            return nil
        }
        guard let done else { return }
        done.timer?.cancel()
        done.continuation.resume(returning: done.answers)
    }

    func openAckStream(_ id: String, _ stream: AckStream, for duration: Duration) {
        self.ackStreams.withLock { $0[id] = stream }
        self.eventLoop.scheduleTask(in: TimeAmount(duration)) {
            _ = self.ackStreams.withLock { $0.removeValue(forKey: id) }
        }
    }

    func ackStream(_ id: String) -> AckStream? { self.ackStreams.withLock { $0[id] } }

    /// Fails everything still waiting (the adapter is going away).
    func failAll(_ error: any Error) {
        let all = self.waiting.withLock { table -> [Waiting] in
            defer { table = [:] }
            return Array(table.values)
        }
        for entry in all {
            entry.timer?.cancel()
            entry.continuation.resume(throwing: error)
        }
    }
}
