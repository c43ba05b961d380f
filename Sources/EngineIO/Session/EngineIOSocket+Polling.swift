import EngineIOProtocol
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP long-polling transport (Engine.IO v4, "HTTP long-polling"): a GET waits for data,
/// a POST carries data. Both arrive from HTTP handlers on any loop and run here, on the session's.
/// What to answer is the state machine's call; this file carries it out.
extension EngineIOSocket {
    /// A GET with this session's sid.
    func handlePoll(_ poll: EngineHTTPResponder) {
        self.run(self.loop.value.machine.poll(poll, now: self.now))
    }

    /// A POST with this session's sid and its whole body.
    func handlePost(_ body: ByteBuffer, responder: EngineHTTPResponder) {
        switch self.loop.value.machine.postArrived(responder, now: self.now) {
        case .refuse(let actions):
            self.run(actions)
        case .accept:
            let packets: [EngineIOPacket]
            do {
                packets = try EngineIOPollingPayload.decode(body).map { frame throws(EngineIOProtocolError) in
                    try EngineIOPacket(frame: frame)
                }
            } catch {
                self.logger.info("invalid polling payload; closing session", metadata: ["error": "\(error)"])
                self.run(self.loop.value.machine.postInvalid(responder, now: self.now))
                return
            }
            self.receive(packets[...], answering: responder)
        }
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
        while let packet = rest.first, handled < Self.packetsPerSlice, self.loop.value.machine.mayHandlePostPacket {
            rest = rest.dropFirst()
            handled += 1
            self.receive(packet)
        }
        if let actions = self.loop.value.machine.postSliceDone(rest: rest, responder: responder) {
            return self.run(actions)
        }
        let next = rest
        self.eventLoop.execute { self.receive(next, answering: responder) }
    }

    /// The connection of a pending GET went away before it was answered.
    func pollConnectionClosed(_ poll: EngineHTTPResponder) {
        self.run(self.loop.value.machine.pollConnectionClosed(poll, now: self.now))
    }

    /// The connection dropped while an answer to one of this session's polls was being
    /// written: the packets in it never reached the client, and the session cannot go on as if
    /// they had (stricter than Node, which loses them silently).
    func pollAnswerLost() {
        self.run(self.loop.value.machine.pollAnswerLost(now: self.now))
    }

    /// An oversize POST: `413` with an empty body, and the session lives on, as in Node's
    /// polling transport (`onDataRequest`). Its packets are lost; engine.io-client takes the
    /// 413 as a transport error and reconnects, and other clients resend.
    func rejectOversizePost(_ responder: EngineHTTPResponder) {
        self.logger.info("POST body larger than maxPayload; refused with 413")
        responder.respond(status: .payloadTooLarge, contentType: "text/plain; charset=UTF-8", body: ByteBuffer())
    }
}
