import NIOCore
import Synchronization

/// Runs a task's jobs on one NIO event loop, so a socket's handlers run on the thread of its
/// connection: their emits reach the session without a thread hop, and a packet costs no
/// wake-up of another thread (profiling showed context switches as the top cost of a
/// cross-thread hop per event). Handlers still never run inside `channelRead`: each job is a
/// later `execute` on the loop.
///
/// The price is Node's: a handler that blocks (CPU work, synchronous I/O) holds up the other
/// connections of its loop. Move such work off with `Task.detached` or an actor of your own.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// One executor per loop, shared by all its sockets, so an idle socket carries none of its
    /// own. Loops live as long as their group, and each executor keeps its loop alive, so an id
    /// is never reused while it is in the table; the table is as small as the number of loops.
    private static let shared = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    static func `for`(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        self.shared.withLock { table in
            let id = ObjectIdentifier(eventLoop)
            if let executor = table[id] { return executor }
            let executor = EventLoopTaskExecutor(eventLoop: eventLoop)
            table[id] = executor
            return executor
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedTaskExecutor()
        self.eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
