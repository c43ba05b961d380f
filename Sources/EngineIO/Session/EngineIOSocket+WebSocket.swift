package import EngineIOProtocol
import Logging
import NIOCore
import NIOWebSocket

/// The WebSocket transport and the upgrade from polling (Engine.IO v4, "Upgrading"):
/// the client opens a WebSocket with the sid, sends `2probe`, gets `3probe`, and sends `5`.
/// Every 100 ms after `3probe` a waiting poll is released with a `6` so the client can switch
/// (Node's check interval). The state machine decides each step; this file carries it out.
extension EngineIOSocket {
    /// One frame read from `link`, which is this session's WebSocket or its upgrade probe.
    func receive(_ frame: EngineIOFrame, from link: WebSocketLink) {
        let role = self.loop.value.machine.role(of: link)
        // A link the session no longer knows (a probe it dropped, its WebSocket after the
        // close): nothing it sends concerns the session, not even garbage.
        if case .stranger = role { return }
        let packet: EngineIOPacket
        do {
            packet = try EngineIOPacket(frame: frame)
        } catch {
            self.logger.info("invalid packet on websocket", metadata: ["error": "\(error)"])
            return self.run(self.loop.value.machine.receiveInvalid(from: link, now: self.now))
        }
        switch role {
        case .probe:
            self.run(self.loop.value.machine.receiveOnProbe(packet, now: self.now))
            self.publishTransport()
        case .session: self.receive(packet)
        case .stranger: break  // returned above
        }
    }

    /// A WebSocket with this sid completed its HTTP upgrade.
    func attachProbe(_ link: WebSocketLink) {
        self.run(self.loop.value.machine.attachProbe(link, now: self.now))
    }

    /// `link` closed: the session's WebSocket, or a probe.
    func webSocketClosed(_ link: WebSocketLink) {
        self.run(self.loop.value.machine.linkClosed(link, now: self.now))
    }

    /// The WebSocket's socket buffer drained: write what waited.
    func webSocketWritable(_ link: WebSocketLink) {
        self.run(self.loop.value.machine.linkWritable(link))
    }

    // MARK: - External WebSockets (framework integrations); call these on `eventLoop`.

    /// A message read from an external WebSocket (the session's, or its upgrade probe).
    package func externalWebSocket(_ connection: any ExternalWebSocket, didReceive frame: EngineIOFrame) {
        self.receive(frame, from: .external(connection))
    }

    /// An external WebSocket has written what it was given: hand it what waited.
    package func externalWebSocketWritable(_ connection: any ExternalWebSocket) {
        self.webSocketWritable(.external(connection))
    }

    /// An external WebSocket closed (the client's close frame, or the connection dropped).
    package func externalWebSocketClosed(_ connection: any ExternalWebSocket) {
        self.webSocketClosed(.external(connection))
    }

    /// An external WebSocket with this session's sid finished its HTTP upgrade: the probe of
    /// an upgrade from polling.
    package func attachExternalProbe(_ connection: any ExternalWebSocket) {
        self.attachProbe(.external(connection))
    }
}
