import EngineIO
import NIOCore

/// Drives the socket's ``SerialJobQueue`` on its connection's event loop.
///
/// When a job arrives at an idle queue, a loop job drains it: synchronous jobs run right
/// there, and a Swift task is started only when async work comes up; it drains the rest and
/// ends when the queue is empty. So an idle socket costs no task, and a socket whose handlers
/// are synchronous costs none per event either. Everything runs on the loop
/// (``EventLoopTaskExecutor``), so the queue needs no lock.
///
/// A job that waits for a client's ack (``emitWithAck(_:arguments:timeout:)``) lets the queue go
/// on without it (``releaseQueue()``): handlers still start in packet order, as in Node, but
/// one suspended on an ack no longer holds up the socket's next events. Without that, a handler
/// awaiting an ack the client sends only after a later event's reply would wait forever
/// (issue 15).
extension Socket {
    /// Which socket's queue the current task is running a job of, and under which drain: set
    /// around every async job, read by ``releaseQueue()``.
    struct QueueLease: Sendable {
        let socket: Socket
        let drain: UInt64
        /// The job's number in its queue (``SerialJobQueue/job``).
        let job: UInt64
    }

    @TaskLocal static var queueLease: QueueLease?

    /// Adds a job; call on the socket's loop.
    func enqueue(_ job: SerialJobQueue.Job) {
        guard self.loop.value.jobs.push(job) else { return }
        // A later loop job, never the caller's stack (which may be inside `channelRead`).
        self.engine.eventLoop.execute { self.drainSynchronously() }
    }

    func enqueue(_ job: @escaping SerialJobQueue.AsyncJob) {
        self.enqueue(.async(job))
    }

    /// Lets the socket whose job the current task runs go on with its next jobs while this one
    /// waits. Safe from anywhere: a task that runs no job (or a job whose drain already went
    /// on) does nothing.
    static func releaseQueue() {
        guard let lease = Self.queueLease else { return }
        let socket = lease.socket
        socket.onLoop {
            guard socket.loop.value.jobs.release(lease.drain, job: lease.job) else { return }
            let drain = socket.loop.value.jobs.drain
            Task(executorPreference: socket.executor) { await socket.drain(drain) }
        }
    }

    /// Runs synchronous jobs until the queue is empty or async work comes up; that work, and
    /// the rest of the queue, goes to a task.
    private func drainSynchronously() {
        while let job = self.loop.value.jobs.next() {
            switch job {
            case .sync(let body):
                if let rest = body() { return self.continueInTask(rest) }
            case .async(let body):
                return self.continueInTask(body)
            }
        }
    }

    private func continueInTask(_ first: @escaping SerialJobQueue.AsyncJob) {
        let drain = self.loop.value.jobs.drain
        let number = self.loop.value.jobs.job
        Task(executorPreference: self.executor) {
            await self.run(first, drain: drain, job: number)
            await self.drain(drain)
        }
    }

    private func run(_ job: SerialJobQueue.AsyncJob, drain: UInt64, job number: UInt64) async {
        await Self.$queueLease.withValue(QueueLease(socket: self, drain: drain, job: number)) { await job() }
    }

    private func drain(_ drain: UInt64) async {
        // On the loop: the task prefers the loop's executor, and resumes there after every
        // await of a handler. A drain whose job released the queue stops: a newer one has it.
        while self.loop.value.jobs.drain == drain, let job = self.loop.value.jobs.next() {
            switch job {
            case .sync(let body):
                if let rest = body() { await self.run(rest, drain: drain, job: self.loop.value.jobs.job) }
            case .async(let body):
                await self.run(body, drain: drain, job: self.loop.value.jobs.job)
            }
        }
    }
}
