/// A socket's jobs, run one at a time in the order they were added: a plain value kept in the
/// socket's loop state (``Socket/LoopState``), so adding a job takes no lock. The driving
/// (a loop job, then a task while async work is running) is ``Socket``'s (Socket+Jobs.swift).
///
/// A socket's handlers run through it, so they see its packets in arrival order and never run
/// inside `channelRead` (the engine only enqueues). socketioxide spawns a task per message
/// instead, and loses the order.
struct SerialJobQueue {
    typealias AsyncJob = @Sendable () async -> Void
    enum Job: Sendable {
        /// Runs without suspending; it may hand back async work, which runs before any later job.
        case sync(@Sendable () -> AsyncJob?)
        case async(AsyncJob)
    }

    /// An `Array`: no allocation while idle, and a socket's backlog is short.
    private(set) var jobs: [Job] = []
    /// Whether a drain is under way (a loop job or a task): a new job just waits its turn.
    private(set) var running = false

    /// Adds a job. Returns `true` when the queue was idle: the caller starts a drain.
    mutating func push(_ job: Job) -> Bool {
        self.jobs.append(job)
        if self.running { return false }
        self.running = true
        return true
    }

    /// The next job, or `nil` when the queue is empty, which ends the drain.
    mutating func next() -> Job? {
        if !self.jobs.isEmpty { return self.jobs.removeFirst() }
        self.running = false
        return nil
    }
}
