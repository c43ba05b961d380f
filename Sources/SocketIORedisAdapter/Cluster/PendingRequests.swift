import NIOCore
import SocketIO
import SocketIOProtocol
import Synchronization

/// Requests to other servers waiting for their answers, by request id: each completes with
/// the answers once `expected` have arrived, fails when its event-loop timer fires, fails at
/// once when its task is cancelled, and fails when the adapter shuts down.
///
/// The table sits behind a `Mutex` (not an actor): it is touched from event-loop callbacks
/// (the timers, Redis messages) that cannot `await`, every critical section is a few
/// dictionary operations, and no lock is held across a suspension or a continuation resume.
final class PendingRequests: Sendable {
    private struct Waiting {
        var expected: Int
        var answers: [SocketIOValue] = []
        var continuation: CheckedContinuation<[SocketIOValue], any Error>
        var timer: Scheduled<Void>
    }

    /// Streams for broadcasts with acks: client counts and acks, kept until their timeout.
    struct AckStream: Sendable {
        let onClientCount: @Sendable (Int) -> Void
        let onAck: @Sendable (SocketIOValue) -> Void
    }

    private struct State {
        var waiting: [String: Waiting] = [:]
        var ackStreams: [String: AckStream] = [:]
        /// Set by ``failAll(_:)``: later requests fail with it at once.
        var shutDownError: (any Error)?
    }

    private let state = Mutex(State())
    /// Where the timeouts run: event-loop timers, not tasks that sleep.
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Waits for `expected` answers to request `id` (sent by `send`, after registration).
    ///
    /// - Throws: ``/SocketIO/AdapterError/timeout(_:)`` when the answers are not all in within
    ///   `timeout`, `CancellationError` when the calling task is cancelled, and the shutdown
    ///   error when the adapter stops (before or while waiting).
    func wait(
        for id: String,
        expected: Int,
        timeout: Duration,
        operation: String,
        send: () -> Void
    ) async throws -> [SocketIOValue] {
        if let error = self.state.withLock({ $0.shutDownError }) { throw error }
        guard expected > 0 else {
            send()
            return []
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let timer = self.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                    self.fail(id, AdapterError.timeout(operation))
                }
                let refused = self.state.withLock { state -> (any Error)? in
                    if let error = state.shutDownError { return error }
                    state.waiting[id] = Waiting(expected: expected, continuation: continuation, timer: timer)
                    return nil
                }
                if let refused {
                    timer.cancel()
                    return continuation.resume(throwing: refused)
                }
                // Cancelled before the request was registered: the handler below found nothing.
                if Task.isCancelled { return self.fail(id, CancellationError()) }
                send()
            }
        } onCancel: {
            self.fail(id, CancellationError())
        }
    }

    /// How many requests wait now (for tests).
    var count: Int { self.state.withLock { $0.waiting.count } }

    /// Ends request `id` with `error`, if it still waits.
    private func fail(_ id: String, _ error: any Error) {
        guard let entry = self.state.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
        entry.timer.cancel()
        entry.continuation.resume(throwing: error)
    }

    /// One answer to request `id`; unknown ids (someone else's, or too late) are ignored.
    func answer(_ id: String, _ value: SocketIOValue) {
        let done = self.state.withLock { state -> Waiting? in
            guard var entry = state.waiting[id] else { return nil }
            entry.answers.append(value)
            if entry.answers.count >= entry.expected {
                state.waiting[id] = nil
                return entry
            }
            state.waiting[id] = entry
            return nil
        }
        guard let done else { return }
        done.timer.cancel()
        done.continuation.resume(returning: done.answers)
    }

    /// Keeps the answers to broadcast `id` flowing to `stream` for `duration`, on a loop timer.
    func openAckStream(_ id: String, _ stream: AckStream, for duration: Duration) {
        self.state.withLock { $0.ackStreams[id] = stream }
        self.eventLoop.scheduleTask(in: TimeAmount(duration)) {
            _ = self.state.withLock { $0.ackStreams.removeValue(forKey: id) }
        }
    }

    func ackStream(_ id: String) -> AckStream? { self.state.withLock { $0.ackStreams[id] } }

    /// Fails everything still waiting, and every later request, with `error` (the adapter is
    /// going away).
    func failAll(_ error: any Error) {
        let all = self.state.withLock { state -> [Waiting] in
            state.shutDownError = error
            state.ackStreams = [:]
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for entry in all {
            entry.timer.cancel()
            entry.continuation.resume(throwing: error)
        }
    }
}
