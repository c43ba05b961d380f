public import NIOCore
import NIOPosix
import Synchronization

/// A value that tests wait on without polling: every ``update(_:)`` re-checks the conditions
/// of the tasks waiting in ``wait(timeout:until:)`` and resumes those that now hold. A wait
/// gives up at its timeout, an event-loop timer, and at once when its task is cancelled.
///
/// ```swift
/// let received = Watched<[String]>([])
/// subscriber.onMessage { message in received.update { $0.append(message) } }
/// let two = try await received.wait { $0.count >= 2 ? $0 : nil }
/// ```
public final class Watched<Value: Sendable>: Sendable {
    private struct Waiter: Sendable {
        let id: Int
        /// Checks the value; once the condition holds, returns what resumes the task.
        let poll: @Sendable (inout Value) -> (@Sendable () -> Void)?
        let fail: @Sendable (any Error) -> Void
    }

    private struct State: Sendable {
        var value: Value
        var waiters: [Waiter] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    /// A watched `value`.
    public init(_ value: Value) {
        self.state = Mutex(State(value: value))
    }

    /// The value now.
    public var value: Value { self.state.withLock { $0.value } }

    /// Changes the value, then resumes the waits whose condition now holds.
    @discardableResult
    public func update<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        let (result, ready) = try self.state.withLock { state -> (R, [@Sendable () -> Void]) in
            let result = try body(&state.value)
            var ready: [@Sendable () -> Void] = []
            var waiting: [Waiter] = []
            for waiter in state.waiters {
                if let resume = waiter.poll(&state.value) { ready.append(resume) } else { waiting.append(waiter) }
            }
            state.waiters = waiting
            return (result, ready)
        }
        for resume in ready { resume() }
        return result
    }

    /// Waits until `check` returns a value, which it may take out of the watched value.
    ///
    /// - Throws: ``WaitTimedOut`` after `timeout`; `CancellationError` when the task is cancelled.
    public func wait<T: Sendable>(
        timeout: Duration = .seconds(10),
        until check: @escaping @Sendable (inout Value) -> T?
    ) async throws -> T {
        let id = self.state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(Int64(timeout.nanoseconds))) {
            self.fail(id, with: WaitTimedOut(timeout: timeout))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let poll: @Sendable (inout Value) -> (@Sendable () -> Void)? = { value in
                    guard let found = check(&value) else { return nil }
                    return { continuation.resume(returning: found) }
                }
                let resume = self.state.withLock { state -> (@Sendable () -> Void)? in
                    if let resume = poll(&state.value) { return resume }
                    state.waiters.append(Waiter(id: id, poll: poll, fail: { continuation.resume(throwing: $0) }))
                    return nil
                }
                resume?()
                // Cancelled before the waiter was in: the cancellation handler found nothing.
                if Task.isCancelled { self.fail(id, with: CancellationError()) }
            }
        } onCancel: {
            self.fail(id, with: CancellationError())
        }
    }

    /// Waits until `condition` holds for the value.
    ///
    /// - Throws: ``WaitTimedOut`` after `timeout`; `CancellationError` when the task is cancelled.
    public func wait(timeout: Duration = .seconds(10), until condition: @escaping @Sendable (Value) -> Bool) async throws {
        _ = try await self.wait(timeout: timeout) { value -> Bool? in condition(value) ? true : nil }
    }

    private func fail(_ id: Int, with error: any Error) {
        let waiter = self.state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.fail(error)
    }
}

/// A ``Watched`` wait that reached its timeout.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// How long the wait was.
    public let timeout: Duration
    /// A timeout after `timeout`.
    public init(timeout: Duration) { self.timeout = timeout }
    /// What did not happen in time.
    public var description: String { "the condition did not hold within \(self.timeout)" }
}

extension Duration {
    /// The duration in whole nanoseconds (for NIO's `TimeAmount`).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A gate that tasks wait at until the test opens it: a "slow" handler awaits it instead of
/// sleeping, so the order of events is up to the test, not the clock.
public final class Gate: Sendable {
    private let isOpen = Watched(false)

    /// A closed gate.
    public init() {}

    /// Returns once the gate is open (at once if it is), or when the task is cancelled.
    public func wait() async {
        _ = try? await self.isOpen.wait(timeout: .seconds(3600)) { $0 }
    }

    /// Opens the gate for good: every waiting task goes on, and later waits return at once.
    public func open() { self.isOpen.update { $0 = true } }
}

extension EventLoop {
    /// Returns once the loop has run every job queued on it before the call, then the jobs
    /// those queued in turn, for `rounds` rounds (each round is one pass of the loop, I/O
    /// included). A marker through the loop's FIFO queue: what was queued before it, such as
    /// frames a test client sent or the tasks their handlers started, has run when it returns.
    public func runQueuedJobs(rounds: Int = 3) async throws {
        for _ in 0..<rounds { try await self.submit {}.get() }
    }
}
