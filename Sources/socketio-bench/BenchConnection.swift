import EngineIOProtocol
import NIOCore
import NIOPosix
import Synchronization
import TestSupport

/// One Socket.IO client over a raw WebSocket: HTTP upgrade, Engine.IO open, CONNECT to `/`,
/// pongs for the server's pings, and `echo` events whose acks it times. Everything runs on the
/// connection's event loop; no task per message. It speaks JSON or MessagePack (``BenchWire``).
final class BenchConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    enum Phase { case upgrading, opening, connecting, connected, closed }

    private var phase = Phase.upgrading
    private var buffer = ByteBuffer()
    private let connected: EventLoopPromise<Void>
    private let recorder: LatencyRecorder
    /// Send times of the echoes in flight, by ack id.
    private var inFlight: [Int: UInt64] = [:]
    private var nextID = 0
    /// What a client does once connected.
    enum Mode: Sendable {
        /// Nothing (answers pings).
        case idle
        /// An `echo` with an ack whenever the pacer says (open loop).
        case echo
        /// The next `echo` as soon as the previous one is acked (closed loop).
        case closedLoop
        /// The same with a binary argument, which the server's ack sends back: JSON as an
        /// attachment frame each way, MessagePack inline.
        case binaryEcho(BinaryEchoFrames)
        /// A `broadcast` carrying its send time whenever the pacer says (a sender), or only
        /// listening; every client times the `bcast` deliveries it receives.
        case broadcast(sender: Bool)
        /// A client that stops reading once connected and sends `events` `echo` events of
        /// `payload` bytes each, with acks: the server's answers pile up for it (the slow
        /// consumer of issue 11).
        case stalled(events: Int, payload: Int)
        /// A client that sends `events` `hostile` events (no handler, no ack: the cost is the
        /// parse), each an object of `keys` distinct keys (the hostile JSON of issue 11:
        /// quadratic to a parser that checks duplicates naively), and goes on reading.
        case hostile(events: Int, keys: Int)
    }

    private let mode: Mode
    private let wire: BenchWire
    /// On the JSON wire, the ack id of a binary ack whose attachment is the next binary frame.
    private var awaitingAttachment: Int?
    /// Where an open-loop client registers once connected.
    private let pacer: NIOLoopBound<Pacer>?
    private var context: ChannelHandlerContext?
    private let startedAt = NIODeadline.now()

    init(connected: EventLoopPromise<Void>, recorder: LatencyRecorder, mode: Mode, wire: BenchWire = .json, pacer: NIOLoopBound<Pacer>?) {
        self.pacer = pacer
        self.connected = connected
        self.recorder = recorder
        self.mode = mode
        self.wire = wire
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(ClientHandshake.upgradeRequest()), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = self.unwrapInboundIn(data)
        // Most reads hold whole frames: take the buffer as it is, copy only to join a remainder.
        if self.buffer.readableBytes == 0 { self.buffer = chunk } else { self.buffer.writeBuffer(&chunk) }
        if self.phase == .upgrading {
            guard let end = self.buffer.readableBytesView.firstRange(of: Prefix.headEnd) else { return }
            let head = self.buffer.readString(length: end.upperBound - self.buffer.readableBytesView.startIndex) ?? ""
            guard head.hasPrefix("HTTP/1.1 101") else { return self.fail(context, "upgrade refused: \(head.prefix(40))") }
            self.phase = .opening
        }
        // Payloads are slices of the read buffer: at 100,000 deliveries a second the tool must not
        // be what the run measures.
        while let (opcode, payload) = WebSocketWire.readServerFrame(&self.buffer) {
            self.receive(opcode: opcode, payload: payload.readableBytesView, context: context)
        }
        if self.buffer.readableBytes > 0 { self.buffer.discardReadBytes() }
    }

    private func receive(opcode: UInt8, payload: ByteBufferView, context: ChannelHandlerContext) {
        switch opcode {
        case 0x1: self.receive(text: payload, context: context)
        case 0x2: self.receive(binary: payload, context: context)
        default: break
        }
    }

    private func receive(text payload: ByteBufferView, context: ChannelHandlerContext) {
        guard let first = payload.first else { return }
        switch (self.phase, first) {
        case (.opening, UInt8(ascii: "0")):
            self.phase = .connecting
            context.writeAndFlush(NIOAny(self.wire.connectFrame), promise: nil)
        case (.connecting, UInt8(ascii: "4")) where self.wire == .json && payload.starts(with: Prefix.connect):
            self.didConnect(context: context)
        case (_, UInt8(ascii: "2")):
            self.send(text: "3", context: context)  // pong
        case (.connected, UInt8(ascii: "4")) where payload.starts(with: Prefix.ack):
            // 43<id>[...]: the ack of an echo.
            self.acked(Self.digits(payload.dropFirst(2)))
        case (.connected, UInt8(ascii: "4")) where payload.starts(with: Prefix.binaryAck):
            // 461-<id>[{"_placeholder":true,"num":0}]: the echoed bytes are the next frame.
            self.awaitingAttachment = Self.digits(payload.dropFirst(4))
        case (.connected, UInt8(ascii: "4")) where payload.starts(with: Prefix.bcast):
            // 42["bcast",<send time in ns>]: a broadcast delivery, timed on the shared clock.
            self.recorder.delivered(nanoseconds: NIODeadline.now().uptimeNanoseconds &- UInt64(Self.digits(payload.dropFirst(11))))
        default:
            break
        }
    }

    private func receive(binary payload: ByteBufferView, context: ChannelHandlerContext) {
        switch self.wire {
        case .json:
            // The attachment of a binary ack: counted when the bytes came back whole.
            guard let id = self.awaitingAttachment else { return }
            self.awaitingAttachment = nil
            if case .binaryEcho(let frames) = self.mode, payload.count != frames.payload { return }
            self.acked(id)
        case .msgpack:
            guard let packet = ScannedPacket(payload) else { return }
            switch (self.phase, packet.type) {
            case (.connecting, 0):
                self.didConnect(context: context)
            case (.connected, 3):
                guard let id = packet.id else { return }
                if case .binaryEcho(let frames) = self.mode, packet.firstBinaryLength != frames.payload { return }
                self.acked(id)
            case (.connected, 2) where packet.eventName.elementsEqual("bcast".utf8):
                guard let sent = packet.firstArgument else { return }
                self.recorder.delivered(nanoseconds: NIODeadline.now().uptimeNanoseconds &- sent)
            default:
                break
            }
        }
    }

    /// The decimal number at the start of `bytes` (up to the first non-digit).
    private static func digits(_ bytes: ByteBufferView.SubSequence) -> Int {
        var value = 0
        for byte in bytes {
            guard byte >= 48, byte <= 57 else { break }
            value = value &* 10 &+ Int(byte - 48)
        }
        return value
    }

    private func didConnect(context: ChannelHandlerContext) {
        self.phase = .connected
        self.recorder.handshake(nanoseconds: NIODeadline.now().uptimeNanoseconds - self.startedAt.uptimeNanoseconds)
        self.connected.succeed(())
        switch self.mode {
        case .stalled(let events, let payload):
            self.stall(events: events, payload: payload, context: context)
        case .hostile(let events, let keys):
            var text = "42[\"hostile\",{"
            for key in 0..<keys { text += key == 0 ? "\"0\":0" : ",\"\(key)\":0" }
            text += "}]"
            let frame = WebSocketWire.clientFrame(opcode: 0x1, payload: Array(text.utf8))
            for _ in 0..<events { context.write(NIOAny(frame), promise: nil) }
            context.flush()
        case .idle, .broadcast(sender: false), .closedLoop, .binaryEcho:
            break  // a closed loop is started by `sendEcho()` once every client is connected
        case .echo, .broadcast(sender: true):
            self.pacer?.value.add(self)
        }
    }

    /// The ack of echo `id` arrived: timed; in a closed loop, the next echo goes.
    private func acked(_ id: Int) {
        guard let sent = self.inFlight.removeValue(forKey: id) else { return }
        self.recorder.record(nanoseconds: NIODeadline.now().uptimeNanoseconds - sent)
        switch self.mode {
        case .closedLoop, .binaryEcho: self.sendEcho()
        default: break
        }
    }

    /// Sends one `echo` event with an ack id (on the connection's loop); in a closed loop, the
    /// first one, after which each ack sends the next.
    func sendEcho() {
        guard self.phase == .connected, let context = self.context, self.recorder.sent() else { return }
        let id = self.nextID
        self.nextID += 1
        self.inFlight[id] = NIODeadline.now().uptimeNanoseconds
        if case .binaryEcho(let frames) = self.mode {
            for frame in frames.frames(id: id) { context.write(NIOAny(frame), promise: nil) }
            context.flush()
        } else {
            context.writeAndFlush(NIOAny(self.wire.echoFrame(id: id)), promise: nil)
        }
    }

    /// Stops reading (the server's writes back up into its socket buffers, then its queues)
    /// and sends the events, all at once: one frame, masked once, written `events` times.
    private func stall(events: Int, payload: Int, context: ChannelHandlerContext) {
        context.channel.setOption(.autoRead, value: false).whenComplete { _ in }
        let text = "421[\"echo\",\"" + String(repeating: "x", count: max(0, payload)) + "\"]"
        let frame = WebSocketWire.clientFrame(opcode: 0x1, payload: Array(text.utf8))
        for _ in 0..<events { context.write(NIOAny(frame), promise: nil) }
        context.flush()
    }

    /// Sends one `broadcast` carrying its send time (on the connection's loop).
    func sendBroadcast() {
        guard self.phase == .connected, let context = self.context, self.recorder.sent() else { return }
        context.writeAndFlush(NIOAny(self.wire.broadcastFrame(time: NIODeadline.now().uptimeNanoseconds)), promise: nil)
    }

    private func send(text: String, context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(WebSocketWire.clientFrame(opcode: 0x1, payload: Array(text.utf8))), promise: nil)
    }

    private func fail(_ context: ChannelHandlerContext, _ message: String) {
        self.phase = .closed
        self.connected.fail(BenchError(message))
        context.close(promise: nil)
    }

    /// Echoes sent and not answered (lost, or still on their way when the run ended).
    var unanswered: Int { self.inFlight.count }

    func channelInactive(context: ChannelHandlerContext) {
        if self.phase != .connected { self.connected.fail(BenchError("connection closed during the handshake")) }
        self.phase = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(context, "\(error)")
    }
}

extension BenchConnection: PacedClient {
    func sendPaced() {
        if case .broadcast = self.mode { self.sendBroadcast() } else { self.sendEcho() }
    }
}

@available(*, unavailable)
extension BenchConnection: Sendable {}

/// The byte strings a frame is matched against, made once (not per frame).
private enum Prefix {
    static let headEnd = Array("\r\n\r\n".utf8)
    static let connect = Array("40".utf8)
    static let ack = Array("43".utf8)
    static let binaryAck = Array("461-".utf8)
    static let bcast = Array("42[\"bcast\",".utf8)
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
