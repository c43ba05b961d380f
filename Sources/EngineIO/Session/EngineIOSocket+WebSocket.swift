import EngineIOProtocol
import Logging
import NIOCore
import NIOWebSocket

/// The WebSocket transport and the upgrade from polling (Engine.IO v4, "Upgrading"):
/// the client opens a WebSocket with the sid, sends `2probe`, gets `3probe`, and sends `5`.
/// The pending poll is released with a `6` so the client can switch.
extension EngineIOSocket {
    /// One frame read from `channel`, which is this session's WebSocket or its upgrade probe.
    func receive(_ frame: EngineIOFrame, from channel: any Channel) {
        self.eventLoop.preconditionInEventLoop()
        guard !self.isClosed else { return }
        let packet: EngineIOPacket
        do {
            packet = try EngineIOPacket(frame: frame)
        } catch {
            self.logger.info("invalid packet on websocket; closing", metadata: ["error": "\(error)"])
            if channel === self.probe {
                self.abandonProbe()
            } else {
                self.close(reason: .parseError)
            }
            return
        }
        if let probe = self.probe, probe === channel {
            self.receiveOnProbe(packet, channel: probe)
        } else if case .websocket(let current) = self.transport, current === channel {
            self.receive(packet)
        }
    }

    private func receiveOnProbe(_ packet: EngineIOPacket, channel: any Channel) {
        switch packet.type {
        case .ping where packet.text == "probe":
            channel.writeAndFlush(WebSocketFrame(engineIOFrame: .pongProbe), promise: nil)
            self.probeAcknowledged = true
            if let poll = self.pendingPoll, self.buffer.isEmpty {
                self.pendingPoll = nil
                poll.respond(frames: [.noop])
            }
        case .upgrade:
            self.completeUpgrade(to: channel)
        default:
            // Node closes the probe on anything else.
            self.logger.debug("unexpected packet on the upgrade probe; closing it", metadata: ["type": "\(packet.type)"])
            self.abandonProbe()
        }
    }

    private func completeUpgrade(to channel: any Channel) {
        self.upgradeTimer?.cancel()
        self.upgradeTimer = nil
        self.probe = nil
        self.probeAcknowledged = false
        self.transport = .websocket(channel)
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
            probe.close(promise: nil)
        }
    }

    /// A WebSocket with this sid completed its HTTP upgrade.
    func attachProbe(_ channel: any Channel) {
        self.eventLoop.preconditionInEventLoop()
        guard !self.isClosed, case .polling = self.transport, self.probe == nil, self.configuration.allowUpgrades else {
            // Already upgraded, or upgrading, or gone: Node accepts the WebSocket and closes it.
            channel.close(promise: nil)
            return
        }
        self.probe = channel
        self.upgradeTimer = self.eventLoop.scheduleTask(in: self.configuration.upgradeTimeout) {
            self.logger.debug("upgrade timed out")
            self.abandonProbe()
        }
    }

    /// `channel` closed: the session's WebSocket, or a probe.
    func webSocketClosed(_ channel: any Channel) {
        if let probe = self.probe, probe === channel {
            self.abandonProbe()
        } else if case .websocket(let current) = self.transport, current === channel {
            self.close(reason: .transportClose, clientInitiated: true, transportGone: true)
        }
    }

    /// The WebSocket's socket buffer drained: write what waited.
    func webSocketWritable(_ channel: any Channel) {
        if case .websocket(let current) = self.transport, current === channel { self.flush() }
    }
}
