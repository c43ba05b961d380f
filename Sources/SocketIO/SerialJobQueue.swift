import NIOCore
import Synchronization

/// Runs jobs one at a time, in the order they were added, without a task while idle.
///
/// A socket's handlers run through one of these, so they see its packets in arrival order and
/// never run inside `channelRead` (the engine only enqueues). When a job arrives at an idle
/// queue, an event-loop job drains it: synchronous jobs run right there, and a Swift task is
/// started only when an async job comes up; it drains the rest and ends when the queue is
/// empty. So an idle socket costs no task, and a socket whose handlers are synchronous costs
/// none per event either (socketioxide spawns a task per message instead and loses the order).
/// Everything runs on the connection's event loop (``EventLoopTaskExecutor``).
final class SerialJobQueue: Sendable {
    typealias AsyncJob = @Sendable () async -> Void
    enum Job: Sendable {
        /// Runs without suspending; it may hand back async work, which runs before any later job.
        case sync(@Sendable () -> AsyncJob?)
        case async(AsyncJob)
    }

    private struct State: ~Copyable {
        /// An `Array`: no allocation while idle, and a socket's backlog is short.
        var jobs: [Job] = []
        var running = false
    }

    private let state = Mutex(State())
    /// Where the jobs run: the event loop of the socket's connection.
    let executor: EventLoopTaskExecutor

    init(eventLoop: any EventLoop) {
        self.executor = EventLoopTaskExecutor.for(eventLoop)
    }

    func enqueue(_ job: @escaping AsyncJob) {
        self.enqueue(.async(job))
    }

    func enqueue(_ job: Job) {
        let start = self.state.withLock { state -> Bool in
            state.jobs.append(job)
            if state.running { return false }
            state.running = true
            return true
        }
        // A later loop job, never the caller's stack (which may be inside `channelRead`).
        if start { self.executor.eventLoop.execute { self.drainSynchronously() } }
    }

    /// Runs synchronous jobs until the queue is empty or async work comes up; that work, and
    /// the rest of the queue, goes to a task.
    private func drainSynchronously() {
        while let job = self.next() {
            switch job {
            case .sync(let body):
                if let rest = body() { return self.continueInTask(rest) }
            case .async(let body):
                return self.continueInTask(body)
            }
        }
    }

    private func continueInTask(_ first: @escaping AsyncJob) {
        Task(executorPreference: self.executor) {
            await first()
            await self.drain()
        }
    }

    private func drain() async {
        while let job = self.next() {
            switch job {
            case .sync(let body):
                if let rest = body() { await rest() }
            case .async(let body):
                await body()
            }
        }
    }

    private func next() -> Job? {
        self.state.withLock { state in
            if !state.jobs.isEmpty { return state.jobs.removeFirst() }
            state.running = false
            return nil
        }
    }
}
