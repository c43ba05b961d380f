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
    /// Which drain owns the queue. A drain whose job let the queue go (``release(_:)``) sees a
    /// newer number when that job ends, and stops.
    private(set) var drain: UInt64 = 0
    /// The number of the job handed out last by ``next()``: a release names the job it comes
    /// from, so a task that outlives its job (a `Task {}` started in a handler inherits the
    /// job's lease) cannot let a later job's end go (found by review).
    private(set) var job: UInt64 = 0

    /// Adds a job. Returns `true` when the queue was idle: the caller starts a drain.
    mutating func push(_ job: Job) -> Bool {
        self.jobs.append(job)
        if self.running { return false }
        self.running = true
        return true
    }

    /// The next job, or `nil` when the queue is empty, which ends the drain.
    mutating func next() -> Job? {
        if !self.jobs.isEmpty {
            self.job &+= 1
            return self.jobs.removeFirst()
        }
        self.running = false
        return nil
    }

    /// The job that drain `drain` is running has suspended on a wait that may need later
    /// jobs to finish (an ack whose answer the client sends after a later event's reply): the
    /// queue goes on without it, as Node's handlers interleave at an `await`. Its start kept
    /// its turn; only its end no longer holds up the next. Returns `true` when jobs wait: the
    /// caller starts a new drain (under ``drain``'s new number). `false` when `drain` no longer
    /// owns the queue, or nothing waits (the queue is idle until the next ``push(_:)``).
    mutating func release(_ drain: UInt64, job: UInt64) -> Bool {
        guard job == self.job else { return false }
        return self.release(drain)
    }

    /// ``release(_:job:)`` for whichever job the drain runs.
    mutating func release(_ drain: UInt64) -> Bool {
        guard self.running, drain == self.drain else { return false }
        self.drain &+= 1
        if self.jobs.isEmpty {
            self.running = false
            return false
        }
        return true
    }
}
