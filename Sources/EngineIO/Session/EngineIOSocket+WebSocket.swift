package import EngineIOProtocol
import Logging
import NIOCore
import NIOWebSocket

/// The WebSocket transport and the upgrade from polling (Engine.IO v4, "Upgrading"):
/// the client opens a WebSocket with the sid, sends `2probe`, gets `3probe`, and sends `5`.
/// The pending poll is released with a `6` so the client can switch.
extension EngineIOSocket {
    /// One frame read from `link`, which is this session's WebSocket or its upgrade probe.
    func receive(_ frame: EngineIOFrame, from link: WebSocketLink) {
        self.eventLoop.preconditionInEventLoop()
        guard !self.isClosed else { return }
        let packet: EngineIOPacket
        do {
            packet = try EngineIOPacket(frame: frame)
        } catch {
            self.logger.info("invalid packet on websocket; closing", metadata: ["error": "\(error)"])
            if let probe = self.probe, probe.isSame(as: link) {
                self.abandonProbe()
            } else {
                self.close(reason: .parseError)
            }
            return
        }
        if let probe = self.probe, probe.isSame(as: link) {
            self.receiveOnProbe(packet, link: probe)
        } else if case .websocket(let current) = self.transport, current.isSame(as: link) {
            self.receive(packet)
        }
    }

    private func receiveOnProbe(_ packet: EngineIOPacket, link: WebSocketLink) {
        switch packet.type {
        case .ping where packet.text == "probe":
            link.sendNow(.pongProbe)
            self.probeAcknowledged = true
            if let poll = self.pendingPoll, self.buffer.isEmpty {
                self.pendingPoll = nil
                poll.respond(frames: [.noop])
            }
        case .upgrade:
            self.completeUpgrade(to: link)
        default:
            // Node closes the probe on anything else.
            self.logger.debug("unexpected packet on the upgrade probe; closing it", metadata: ["type": "\(packet.type)"])
            self.abandonProbe()
        }
    }

    private func completeUpgrade(to link: WebSocketLink) {
        self.upgradeTimer?.cancel()
        self.upgradeTimer = nil
        self.probe = nil
        self.probeAcknowledged = false
        self.transport = .websocket(link)
        self.applyReadGate()
        if let poll = self.pendingPoll {
            self.pendingPoll = nil
            poll.respond(frames: [.noop])
        }
        self.logger.debug("upgraded to websocket")
        self.flush()
    }

    private func abandonProbe() {
        self.upgradeTimer?.cancel()
        self.upgradeTimer = nil
        self.probeAcknowledged = false
        if let probe = self.probe {
            self.probe = nil
            probe.abort()
        }
    }

    /// A WebSocket with this sid completed its HTTP upgrade.
    func attachProbe(_ link: WebSocketLink) {
        self.eventLoop.preconditionInEventLoop()
        guard !self.isClosed, case .polling = self.transport, self.probe == nil, self.configuration.allowUpgrades else {
            // Already upgraded, or upgrading, or gone: Node accepts the WebSocket and closes it.
            link.abort()
            return
        }
        self.probe = link
        self.upgradeTimer = self.eventLoop.scheduleTask(in: self.configuration.upgradeTimeout) {
            self.logger.debug("upgrade timed out")
            self.abandonProbe()
        }
    }

    /// `link` closed: the session's WebSocket, or a probe.
    func webSocketClosed(_ link: WebSocketLink) {
        if let probe = self.probe, probe.isSame(as: link) {
            self.abandonProbe()
        } else if case .websocket(let current) = self.transport, current.isSame(as: link) {
            self.close(reason: .transportClose, clientInitiated: true, transportGone: true)
        }
    }

    /// The WebSocket's socket buffer drained: write what waited.
    func webSocketWritable(_ link: WebSocketLink) {
        if case .websocket(let current) = self.transport, current.isSame(as: link) { self.flush() }
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
