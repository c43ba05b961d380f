import NIOCore
import Synchronization

/// Runs async jobs one at a time, in the order they were added, without a task while idle.
///
/// A socket's handlers run through one of these, so they see its packets in arrival order and
/// never run inside `channelRead` (the engine only enqueues). A task is started when a job
/// arrives at an idle queue and ends when the queue is empty again, so an idle socket costs no
/// task (socketioxide spawns a task per message instead and loses the order). The task runs on
/// the connection's event loop (``EventLoopTaskExecutor``).
final class SerialJobQueue: Sendable {
    typealias Job = @Sendable () async -> Void

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

    func enqueue(_ job: @escaping Job) {
        let start = self.state.withLock { state -> Bool in
            state.jobs.append(job)
            if state.running { return false }
            state.running = true
            return true
        }
        if start {
            Task(executorPreference: self.executor) { await self.drain() }
        }
    }

    private func drain() async {
        while let job = self.next() {
            await job()
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
