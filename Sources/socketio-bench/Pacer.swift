import NIOCore

/// A client the pacer sends through.
protocol PacedClient: AnyObject {
    /// Sends the client's next message (an `echo`, or a `broadcast`) if it is connected.
    func sendPaced()
}

/// Sends an open-loop scenario's messages at `rate` per second in all, round robin over its
/// clients, from one timer on the tool's event loop: every client sends rate/n per second,
/// evenly spaced, and the tool pays one timer instead of one per client (10,000 repeated tasks
/// made the tool itself the source of the latency it measured).
final class Pacer {
    private let eventLoop: any EventLoop
    private var clients: [any PacedClient] = []
    private var cursor = 0
    private var sent = 0
    private var started: NIODeadline?
    private var timer: RepeatedTask?
    /// The timer's period; each tick sends what is due since the start.
    static let tick = TimeAmount.milliseconds(1)

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// Adds a client (on the pacer's loop).
    func add(_ client: any PacedClient) {
        self.eventLoop.preconditionInEventLoop()
        self.clients.append(client)
    }

    /// Starts sending, `rate` messages per second in all.
    func start(rate: Double) {
        self.eventLoop.preconditionInEventLoop()
        let begin = NIODeadline.now()
        self.started = begin
        let pacer = NIOLoopBound(self, eventLoop: self.eventLoop)
        self.timer = self.eventLoop.scheduleRepeatedTask(initialDelay: Self.tick, delay: Self.tick) { _ in
            pacer.value.sendDue(rate: rate, since: begin)
        }
    }

    private func sendDue(rate: Double, since begin: NIODeadline) {
        guard !self.clients.isEmpty else { return }
        let due = Int(Double((NIODeadline.now() - begin).nanoseconds) / 1e9 * rate) - self.sent
        for _ in 0..<max(0, due) {
            self.clients[self.cursor].sendPaced()
            self.cursor = (self.cursor + 1) % self.clients.count
        }
        self.sent += max(0, due)
    }

    func stop() {
        self.timer?.cancel()
        self.timer = nil
    }
}

@available(*, unavailable)
extension Pacer: Sendable {}
