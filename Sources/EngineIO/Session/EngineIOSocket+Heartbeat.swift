import EngineIOProtocol
import Logging
import NIOCore

/// The server's heartbeat (Engine.IO v4, "Heartbeat"): a ping every `pingInterval`; no pong
/// within `pingTimeout` closes the session.
///
/// Deadlines are computed from when the ping was *planned*, not from when the timer fired, so a
/// busy loop cannot stretch the timeout (the official suite polls at exactly
/// pingInterval + pingTimeout and expects the session to be gone). The timer is a
/// `scheduleCallback` with a one-reference handler: no promise, future or closure is allocated
/// per ping, which matters when every idle connection has one.
extension EngineIOSocket {
    func startHeartbeat() {
        self.schedulePing(at: self.eventLoop.now + self.configuration.pingInterval)
    }

    private func schedulePing(at deadline: NIODeadline) {
        self.heartbeat?.cancel()
        self.awaitingPong = false
        self.pingDeadline = deadline
        self.heartbeat = try? self.eventLoop.scheduleCallback(at: deadline, handler: HeartbeatTimer(session: self))
    }

    /// The timer fired: time to ping, or the pong is late.
    func heartbeatFired() {
        guard !self.isClosed else { return }
        if self.awaitingPong {
            self.logger.debug("ping timeout")
            self.close(reason: .pingTimeout)
            return
        }
        self.awaitingPong = true
        self.enqueueControl(.ping)
        self.heartbeat = try? self.eventLoop.scheduleCallback(
            at: self.pingDeadline + self.configuration.pingTimeout, handler: HeartbeatTimer(session: self))
    }

    func receivedPong() {
        guard self.awaitingPong, !self.isClosed else { return }
        self.schedulePing(at: self.eventLoop.now + self.configuration.pingInterval)
    }

    func stopHeartbeat() {
        self.heartbeat?.cancel()
        self.heartbeat = nil
    }
}

/// The heartbeat's timer handler: one reference, so the event loop stores it without a box.
struct HeartbeatTimer: NIOScheduledCallbackHandler, Sendable {
    let session: EngineIOSocket

    func handleScheduledCallback(eventLoop: some EventLoop) {
        self.session.heartbeatFired()
    }
}
