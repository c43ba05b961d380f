import NIOCore

/// The phases of one HTTP connection and the deadline each allows, as a plain state machine:
/// the channel handler (``HTTPConnectionGuard``) feeds it events and carries out what it
/// returns, and tests drive it with a manual clock.
///
/// - idle: between requests; `keepAliveTimeout` from the end of the last response, then the
///   connection closes quietly.
/// - reading the head: from the request's first byte (for the first request, from the
///   accept, as Node counts it), `headersTimeout`, and at most `maxHeaderBytes` of it; then
///   408 or 431.
/// - reading the body: until `requestTimeout` after the first byte; then 408.
/// - responding: no deadline. The application, or a long poll, holds the request; the
///   heartbeat bounds a poll.
/// - upgraded: a WebSocket, which the Engine.IO heartbeat watches instead.
struct HTTPConnectionTimeouts {
    enum Phase: Equatable {
        case idle(since: NIODeadline)
        case readingHead(started: NIODeadline, bytes: Int)
        case readingBody(started: NIODeadline)
        case responding
        case upgraded
        case closed
    }

    /// What the handler must do after an event.
    enum Action: Equatable {
        /// Nothing beyond keeping (or dropping) the timer for ``deadline``.
        case none
        /// Answer with this status and `Connection: close`, then close.
        case reject(Rejection)
        /// Close without an answer.
        case close
    }

    enum Rejection: Equatable {
        case requestTimeout
        case headerTooLarge
    }

    let limits: HTTPServerLimits
    private(set) var phase: Phase

    init(limits: HTTPServerLimits, now: NIODeadline) {
        self.limits = limits
        self.phase = .readingHead(started: now, bytes: 0)
    }

    /// When the current phase runs out, if it can.
    var deadline: NIODeadline? {
        switch self.phase {
        case .idle(let since): since + TimeAmount(self.limits.keepAliveTimeout)
        case .readingHead(let started, _): started + TimeAmount(min(self.limits.headersTimeout, self.limits.requestTimeout))
        case .readingBody(let started): started + TimeAmount(self.limits.requestTimeout)
        case .responding, .upgraded, .closed: nil
        }
    }

    /// `count` bytes have been read and handed to the HTTP decoder, which did not finish a
    /// head with them (see ``headReceived(now:)``).
    mutating func bytesRead(_ count: Int, now: NIODeadline) -> Action {
        switch self.phase {
        case .idle:
            self.phase = .readingHead(started: now, bytes: 0)
            return self.bytesRead(count, now: now)
        case .readingHead(let started, let bytes):
            let total = bytes + count
            guard total <= self.limits.maxHeaderBytes else {
                self.phase = .closed
                return .reject(.headerTooLarge)
            }
            self.phase = .readingHead(started: started, bytes: total)
            return .none
        case .readingBody, .responding, .upgraded, .closed:
            // Body bytes are bounded by the body limits; bytes while responding are the next
            // pipelined request, which NIO's pipelining handler holds back.
            return .none
        }
    }

    /// The decoder produced a request head.
    mutating func headReceived(now: NIODeadline) {
        switch self.phase {
        case .readingHead(let started, _): self.phase = .readingBody(started: started)
        // A pipelined request, read while the previous one was answered.
        case .idle, .responding: self.phase = .readingBody(started: now)
        case .readingBody, .upgraded, .closed: break
        }
    }

    /// The request is complete (or has been answered early) and is being answered.
    mutating func requestDispatched() {
        guard self.phase != .closed, self.phase != .upgraded else { return }
        self.phase = .responding
    }

    /// The last byte of a response is being written; a keep-alive connection turns idle.
    mutating func responseFinished(keepAlive: Bool, now: NIODeadline) -> Action {
        guard self.phase != .closed, self.phase != .upgraded else { return .none }
        guard keepAlive else {
            self.phase = .closed
            return .none
        }
        self.phase = .idle(since: now)
        return .none
    }

    /// The connection is a WebSocket now.
    mutating func upgraded() {
        self.phase = .upgraded
    }

    /// The timer for ``deadline`` fired at `now`.
    mutating func timerFired(now: NIODeadline) -> Action {
        guard let deadline = self.deadline, now >= deadline else { return .none }
        switch self.phase {
        case .idle:
            self.phase = .closed
            return .close
        case .readingHead, .readingBody:
            self.phase = .closed
            return .reject(.requestTimeout)
        case .responding, .upgraded, .closed:
            return .none
        }
    }
}
