import Logging
import NIOCore
import Synchronization

/// Inbound backpressure (issue 11): the session stops reading from its client while the
/// application has too much of that client's input still to handle, or while the client does
/// not read what it is sent (its outbound queue is over the bound). A flooder then waits on its
/// own socket buffer instead of growing the server's memory, and the loop serves others.
///
/// Node reads on regardless; this is one of the places where we are stricter (docs/security.md).
extension EngineIOSocket {
    /// Whether reading from the client is paused now. Read it on `eventLoop`.
    package var isReadingPaused: Bool { self.readingPaused }

    /// The application says whether it is behind with this client's input (the Socket.IO layer
    /// counts the events its handlers have yet to finish). Call on `eventLoop`.
    package func setApplicationBacklogged(_ backlogged: Bool) {
        self.eventLoop.preconditionInEventLoop()
        self.applicationBacklogged = backlogged
        self.updateReadGate()
    }

    /// Pauses or resumes reading when one of its reasons changed.
    func updateReadGate() {
        let paused = !self.isClosed && (self.applicationBacklogged || self.overBound.load(ordering: .relaxed))
        guard paused != self.readingPaused else { return }
        self.readingPaused = paused
        self.logger.debug(
            paused ? "reading paused (inbound backpressure)" : "reading resumed",
            metadata: ["backlogged": "\(self.applicationBacklogged)", "outbound.over.bound": "\(self.overBound.load(ordering: .relaxed))"])
        self.applyReadGate()
        if !paused, let held = self.heldPost {
            // In a job of its own: this may be called from inside a flush, and the POST's
            // packets run handlers that send.
            self.heldPost = nil
            self.eventLoop.execute { self.receive(held.packets, answering: held.responder) }
        }
    }

    /// Brings the current transport in line with `readingPaused`: a NIO WebSocket stops reading
    /// from its socket (`autoRead`). A polling POST is held in ``receive(_:answering:)``, and
    /// its `ok` with it, which is what makes a polling client wait. A WebSocket owned by a web
    /// framework (SocketIOHummingbird) keeps reading: the framework owns its reads.
    func applyReadGate() {
        guard case .websocket(.channel(let channel)) = self.transport else { return }
        channel.setOption(ChannelOptions.autoRead, value: !self.readingPaused).whenFailure { _ in
            // The channel has closed; its session closes with it.
        }
    }
}
