import EngineIOProtocol
import Logging
import NIOCore

/// The server's heartbeat (Engine.IO v4, "Heartbeat"): a ping every `pingInterval`; no pong
/// within `pingTimeout` closes the session.
///
/// Deadlines are computed from when the ping was *planned*, not from when the timer fired, so a
/// busy loop cannot stretch the timeout (the official suite polls at exactly
/// pingInterval + pingTimeout and expects the session to be gone).
extension EngineIOSocket {
    func startHeartbeat() {
        self.schedulePing(at: self.eventLoop.now + self.configuration.pingInterval)
    }

    private func schedulePing(at deadline: NIODeadline) {
        self.heartbeatTimer?.cancel()
        self.heartbeatTimer = self.eventLoop.scheduleTask(deadline: deadline) {
            self.sendPing(plannedAt: deadline)
        }
    }

    private func sendPing(plannedAt: NIODeadline) {
        guard !self.isClosed else { return }
        self.awaitingPong = true
        self.enqueueControl(.ping)
        self.heartbeatTimer = self.eventLoop.scheduleTask(deadline: plannedAt + self.configuration.pingTimeout) {
            guard !self.isClosed else { return }
            self.logger.debug("ping timeout")
            self.close(reason: .pingTimeout)
        }
    }

    func receivedPong() {
        guard self.awaitingPong, !self.isClosed else { return }
        self.awaitingPong = false
        self.schedulePing(at: self.eventLoop.now + self.configuration.pingInterval)
    }
}
