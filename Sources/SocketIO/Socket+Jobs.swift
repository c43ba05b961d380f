import EngineIO
import NIOCore

/// Drives the socket's ``SerialJobQueue`` on its connection's event loop.
///
/// When a job arrives at an idle queue, a loop job drains it: synchronous jobs run right
/// there, and a Swift task is started only when async work comes up; it drains the rest and
/// ends when the queue is empty. So an idle socket costs no task, and a socket whose handlers
/// are synchronous costs none per event either. Everything runs on the loop
/// (``EventLoopTaskExecutor``), so the queue needs no lock.
extension Socket {
    /// Adds a job; call on the socket's loop.
    func enqueue(_ job: SerialJobQueue.Job) {
        guard self.loop.value.jobs.push(job) else { return }
        // A later loop job, never the caller's stack (which may be inside `channelRead`).
        self.engine.eventLoop.execute { self.drainSynchronously() }
    }

    func enqueue(_ job: @escaping SerialJobQueue.AsyncJob) {
        self.enqueue(.async(job))
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
        Task(executorPreference: self.executor) {
            await first()
            await self.drain()
        }
    }

    private func drain() async {
        // On the loop: the task prefers the loop's executor, and resumes there after every
        // await of a handler.
        while let job = self.loop.value.jobs.next() {
            switch job {
            case .sync(let body):
                if let rest = body() { await rest() }
            case .async(let body):
                await body()
            }
        }
    }
}
