import EngineIOProtocol
import Logging
import NIOHTTP1
import NIOCore

/// The HTTP long-polling transport (Engine.IO v4, "HTTP long-polling"): a GET waits for data,
/// a POST carries data. Both arrive from HTTP handlers on any loop and run here, on the session's.
extension EngineIOSocket {
    /// A GET with this session's sid.
    func handlePoll(_ poll: EngineHTTPResponder) {
        self.eventLoop.preconditionInEventLoop()
        if self.awaitingFinalPoll {
            if self.shuttingDown, self.buffer.isEmpty {
                poll.respondShuttingDown()
                self.finishFinalPoll()
                return
            }
            poll.respond(frames: self.takePollPayload())
            if self.buffer.isEmpty, !self.shuttingDown { self.finishFinalPoll() }
            return
        }
        guard !self.isClosed else {
            poll.respond(error: .unknownSessionID)
            return
        }
        guard case .polling = self.transport else {
            // After an upgrade, polling requests are refused (Node: BAD_REQUEST).
            poll.respond(error: .badRequest)
            return
        }
        if self.pendingPoll != nil {
            // A second GET while one waits: the first gets `1`, this one 400, and the session
            // ends (Node: "overlap from client").
            self.logger.info("duplicate poll; closing session")
            poll.respond(error: .badRequest)
            self.close(reason: .transportError)
            return
        }
        if !self.buffer.isEmpty {
            poll.respond(frames: self.takePollPayload())
        } else if self.probeAcknowledged {
            // An upgrade is under way: release the client's poll at once so it can send `5`.
            poll.respond(frames: [.noop])
        } else {
            self.pendingPoll = poll
        }
    }

    /// A POST with this session's sid and its whole body.
    func handlePost(_ body: ByteBuffer, responder: EngineHTTPResponder) {
        self.eventLoop.preconditionInEventLoop()
        guard !self.isClosed else {
            responder.respond(error: .unknownSessionID)
            return
        }
        guard case .polling = self.transport else {
            responder.respond(error: .badRequest)
            return
        }
        guard !self.postInProgress else {
            // A client sends its next POST only after the last one's `ok`; Node ends the
            // session on an overlap ("data request overlap from client").
            self.logger.info("overlapping POST; closing session")
            responder.respond(error: .badRequest)
            self.close(reason: .transportError)
            return
        }
        let packets: [EngineIOPacket]
        do {
            packets = try EngineIOPollingPayload.decode(body).map { frame throws(EngineIOProtocolError) in
                try EngineIOPacket(frame: frame)
            }
        } catch {
            self.logger.info("invalid polling payload; closing session", metadata: ["error": "\(error)"])
            responder.respond(error: .badRequest)
            self.close(reason: .parseError)
            return
        }
        self.postInProgress = true
        self.receive(packets[...], answering: responder)
    }

    /// Packets handled in one go before the loop is let go: a POST may carry as many packets as
    /// fit in `maxPayload` (half a million one-byte noops), which at once would hold the loop for
    /// seconds (found by the review of issue 11).
    static let packetsPerSlice = 256

    /// Handles a POST's packets a slice at a time, each slice a job of its own on the loop, and
    /// answers `ok` after the last: the client sends its next POST only then, so the order of
    /// packets holds. While the application is behind with this client's input (inbound
    /// backpressure) the rest of the POST and its `ok` wait, and so does the client.
    ///
    /// A client over its *outbound* bound is not held here: a polling client may be waiting for
    /// this `ok` before it polls again or sends its upgrade, which is what would drain it.
    func receive(_ packets: ArraySlice<EngineIOPacket>, answering responder: EngineHTTPResponder) {
        var rest = packets
        var handled = 0
        while let packet = rest.first, handled < Self.packetsPerSlice, !self.isClosed, !self.applicationBacklogged {
            rest = rest.dropFirst()
            handled += 1
            self.receive(packet)
        }
        if self.isClosed || (rest.isEmpty && !self.applicationBacklogged) {
            self.postInProgress = false
            return responder.respondOK()
        }
        if self.applicationBacklogged {
            self.heldPost = (rest, responder)
            return
        }
        let next = rest
        self.eventLoop.execute { self.receive(next, answering: responder) }
    }

    /// The connection of a pending GET went away before it was answered.
    func pollConnectionClosed(_ poll: EngineHTTPResponder) {
        guard self.pendingPoll === poll else { return }
        self.pendingPoll = nil
        // Node: "poll connection closed prematurely" closes the session.
        self.logger.debug("pending poll aborted; closing session")
        self.close(reason: .transportError)
    }

    /// The connection dropped while an answer to one of this session's polls was being
    /// written: the packets in it never reached the client, and the session cannot go on as if
    /// they had (stricter than Node, which loses them silently).
    func pollAnswerLost() {
        guard !self.isClosed else { return }
        self.logger.info("poll answer could not be written; closing session")
        self.close(reason: .transportError)
    }

    /// An oversize POST: refuse it and end the session, since its packets are lost.
    func rejectOversizePost(_ responder: EngineHTTPResponder) {
        self.logger.info("POST body larger than maxPayload; closing session")
        responder.respond(status: .payloadTooLarge, error: .badRequest, message: "Payload too large")
        self.close(reason: .parseError)
    }
}
