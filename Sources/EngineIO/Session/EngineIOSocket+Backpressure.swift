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
    package var isReadingPaused: Bool { self.loop.value.machine.readingPaused }

    /// The application says whether it is behind with this client's input (the Socket.IO layer
    /// counts the events its handlers have yet to finish). Call on `eventLoop`.
    package func setApplicationBacklogged(_ backlogged: Bool) {
        self.run(self.loop.value.machine.setApplicationBacklogged(backlogged))
    }

    /// Brings the current transport in line with the machine's read gate. A NIO WebSocket is
    /// told through its pipeline, on its own loop (``EngineIOWebSocketHandler`` owns
    /// `autoRead`). A polling POST is held by the machine, and its `ok` with it, which is what
    /// makes a polling client wait. A WebSocket owned by a web framework (SocketIOHummingbird)
    /// keeps reading: the framework owns its reads.
    func applyReadGate(paused: Bool) {
        guard case .channel(let channel)? = self.loop.value.machine.link else { return }
        channel.pipeline.fireUserInboundEventTriggered(WebSocketReadGate.session(paused: paused))
    }

    // MARK: - Frames handed over from a WebSocket on another loop

    /// A WebSocket on another loop hands over a frame of `bytes`. Returns whether the frames
    /// handed over and not yet handled are now past the outbound bounds (the WebSocket then
    /// stops reading until ``handledHandedOverFrame(bytes:channel:)`` says they drained).
    /// Called on the WebSocket's loop.
    func handingOver(bytes: Int) -> Bool {
        let frames = self.handedOverFrames.add(1, ordering: .relaxed).newValue
        let total = self.handedOverBytes.add(bytes, ordering: .relaxed).newValue
        let configuration = self.configuration
        guard frames > configuration.maxBufferedPackets || total > configuration.maxBufferedBytes else { return false }
        self.handOverPaused.store(true, ordering: .sequentiallyConsistent)
        // The session loop may have drained them just now, before it could see the flag.
        if self.handedOverIsDrained, self.handOverPaused.exchange(false, ordering: .sequentiallyConsistent) { return false }
        return true
    }

    /// The session loop handled a handed-over frame of `bytes`; once they are down to half,
    /// a paused WebSocket is told to read again. Called on `eventLoop`.
    func handledHandedOverFrame(bytes: Int, channel: any Channel) {
        self.handedOverFrames.subtract(1, ordering: .relaxed)
        self.handedOverBytes.subtract(bytes, ordering: .relaxed)
        guard self.handedOverIsDrained, self.handOverPaused.exchange(false, ordering: .sequentiallyConsistent) else { return }
        channel.pipeline.fireUserInboundEventTriggered(WebSocketReadGate.handedOverFramesDrained)
    }

    private var handedOverIsDrained: Bool {
        let configuration = self.configuration
        return self.handedOverFrames.load(ordering: .sequentiallyConsistent) <= configuration.maxBufferedPackets / 2
            && self.handedOverBytes.load(ordering: .sequentiallyConsistent) <= configuration.maxBufferedBytes / 2
    }
}

/// What the session tells a NIO WebSocket about reading, through its pipeline so that it
/// arrives on the WebSocket's own loop.
enum WebSocketReadGate: Sendable {
    /// The session is behind (its application, or its outbound queue) or caught up.
    case session(paused: Bool)
    /// The frames handed to a session on another loop have drained to half the bound.
    case handedOverFramesDrained
}
