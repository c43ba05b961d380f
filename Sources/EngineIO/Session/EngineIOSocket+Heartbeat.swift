import NIOCore

/// The heartbeat's timer handler (the heartbeat itself is ``EngineIOSocket/StateMachine/Heartbeat``):
/// a `scheduleCallback` with a one-reference handler, so no promise, future or closure is
/// allocated per ping, which matters when every idle connection has one.
struct HeartbeatTimer: NIOScheduledCallbackHandler, Sendable {
    let session: EngineIOSocket

    func handleScheduledCallback(eventLoop: some EventLoop) {
        self.session.timerFired(.heartbeat)
    }
}
