import EngineIOProtocol
import NIOCore
import NIOWebSocket

/// `permessage-deflate` on one WebSocket (RFC 7692), between ``WebSocketFrameValidator`` and
/// NIO's frame aggregator, only on a connection that negotiated it.
///
/// Inbound, a message whose first frame has RSV1 is inflated frame by frame (the aggregator,
/// which drops RSV bits, comes after), up to `maxPayload` bytes in all; past that the
/// connection closes with 1009, and with 1007 for data zlib cannot inflate, as Node's `ws`.
/// Outbound, a data frame the session marked with RSV1 (a message of at least the threshold,
/// sent with the `compress` flag) is deflated; every other frame passes as it is. Control
/// frames are never compressed (§6.1).
final class PerMessageDeflateHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let deflater: MessageDeflater
    private let inflater: MessageInflater
    private let stats: CompressionStats?
    /// The client's current fragmented message is compressed.
    private var inCompressedMessage = false
    private var failed = false

    init(parameters: PerMessageDeflateParameters, configuration: PerMessageDeflateConfiguration, maxPayload: Int, stats: CompressionStats?) {
        self.deflater = MessageDeflater(parameters: parameters, level: configuration.level, memoryLevel: configuration.memoryLevel)
        self.inflater = MessageInflater(parameters: parameters, limit: maxPayload)
        self.stats = stats
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.failed else { return }
        let frame = self.unwrapInboundIn(data)
        let compressed: Bool
        switch frame.opcode {
        case .text, .binary:
            // The validator let RSV1 through only here: on the first frame of a message.
            compressed = frame.rsv1
            self.inCompressedMessage = compressed && !frame.fin
        case .continuation:
            compressed = self.inCompressedMessage
            if frame.fin { self.inCompressedMessage = false }
        default:
            return context.fireChannelRead(data)
        }
        guard compressed else { return context.fireChannelRead(data) }
        do {
            let payload = try self.inflater.inflate(frame.unmaskedData, last: frame.fin, allocator: context.channel.allocator)
            self.stats?.inflated(from: frame.length, to: payload.readableBytes)
            context.fireChannelRead(self.wrapInboundOut(WebSocketFrame(fin: frame.fin, opcode: frame.opcode, data: payload)))
        } catch {
            self.failed = true
            context.fireErrorCaught(error)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = self.unwrapOutboundIn(data)
        guard frame.rsv1, frame.fin, frame.opcode == .text || frame.opcode == .binary else {
            return context.write(data, promise: promise)
        }
        do {
            let payload = try self.deflater.deflate(frame.data, allocator: context.channel.allocator)
            self.stats?.deflated(from: frame.data.readableBytes, to: payload.readableBytes)
            context.write(self.wrapOutboundOut(WebSocketFrame(fin: true, rsv1: true, opcode: frame.opcode, data: payload)), promise: promise)
        } catch {
            // zlib failed (out of memory): the message goes uncompressed.
            context.write(self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: frame.opcode, data: frame.data)), promise: promise)
        }
    }
}

@available(*, unavailable)
extension PerMessageDeflateHandler: Sendable {}
