import EngineIOProtocol
import Logging
import NIOCore
import NIOWebSocket

/// Turns WebSocket messages into Engine.IO frames for one session (pings, the close handshake,
/// UTF-8 text) and tells the session when the socket closes or drains.
///
/// It is the last of the handlers after an upgrade (the HTTP handlers are gone by then): NIO's
/// frame decoder, NIO's `WebSocketProtocolErrorHandler` (a close frame for decoder errors),
/// ``WebSocketFrameValidator`` (masking, RSV bits, opcodes, close codes) and NIO's
/// `NIOWebSocketFrameAggregator` (fragments, up to `maxPayload`) come before it.
final class EngineIOWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let session: EngineIOSocket
    private let logger: Logger
    private var closeSent = false
    /// Inbound backpressure: reading stops while the session says it is behind, or while the
    /// frames handed to a session on another loop pile up (EngineIOSocket+Backpressure). This
    /// handler owns the channel's `autoRead`, on the channel's loop.
    private var pausedBySession = false
    private var pausedByHandOver = false

    init(session: EngineIOSocket, logger: Logger) {
        self.session = session
        self.logger = logger
    }

    /// The handlers that go before this one, in order, for a session whose messages may be
    /// `maxPayload` bytes.
    /// With `deflate`, a ``PerMessageDeflateHandler`` goes between the validator and the
    /// aggregator (which drops RSV bits).
    static func frameHandlers(maxPayload: Int, logger: Logger, deflate: PerMessageDeflateHandler? = nil) -> [any ChannelHandler] {
        var handlers: [any ChannelHandler] = [
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxPayload)),
            WebSocketProtocolErrorHandler(),
            WebSocketFrameValidator(logger: logger, deflate: deflate != nil),
        ]
        if let deflate { handlers.append(deflate) }
        // Browsers and Node clients send a message as one frame; 1,024 fragments is far
        // beyond any real client, and bounds the bookkeeping of a hostile one.
        handlers.append(NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024, maxAccumulatedFrameSize: maxPayload))
        return handlers
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            // RFC 6455 §8.1: a text message is UTF-8; `ws` closes with 1007 otherwise.
            let data = frame.unmaskedData
            guard data.withUnsafeReadableBytes({ UTF8Validation.isValid($0) }) else {
                return self.fail(context: context, code: .dataInconsistentWithMessage, "text message is not UTF-8")
            }
            self.deliver(opcode: .text, data: data, context: context)
        case .binary:
            self.deliver(opcode: .binary, data: frame.unmaskedData, context: context)
        case .ping:
            // A client that pings without reading would pile pongs up in the socket's buffer
            // (found by the review of issue 11). While the socket cannot take more, pings go
            // unanswered; RFC 6455 §5.5.3 lets an endpoint answer only the latest.
            guard context.channel.isWritable else { return }
            context.writeAndFlush(self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            // Answer the close handshake, then close (RFC 6455 §5.5.1).
            if !self.closeSent {
                self.closeSent = true
                var data = frame.unmaskedData
                let code = data.readWebSocketErrorCode() ?? .normalClosure
                let channel = context.channel
                context.writeAndFlush(self.wrapOutboundOut(.close(code: code))).whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        default:
            break
        }
    }

    private func deliver(opcode: WebSocketOpcode, data: ByteBuffer, context: ChannelHandlerContext) {
        let frame: EngineIOFrame = opcode == .text ? .text(data) : .binary(data)
        let session = self.session
        let channel = context.channel
        if session.eventLoop.inEventLoop {
            session.receive(frame, from: .channel(channel))
        } else {
            // A session upgraded from polling may live on another loop. What waits in that
            // loop's queue is counted, so that a busy session loop slows this reader down.
            let bytes = data.readableBytes
            if session.handingOver(bytes: bytes), !self.pausedByHandOver {
                self.pausedByHandOver = true
                self.applyReadGate(context: context)
            }
            session.eventLoop.execute {
                session.handledHandedOverFrame(bytes: bytes, channel: channel)
                session.receive(frame, from: .channel(channel))
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let gate = event as? WebSocketReadGate else { return context.fireUserInboundEventTriggered(event) }
        switch gate {
        case .session(let paused): self.pausedBySession = paused
        case .handedOverFramesDrained: self.pausedByHandOver = false
        }
        self.applyReadGate(context: context)
    }

    private func applyReadGate(context: ChannelHandlerContext) {
        let paused = self.pausedBySession || self.pausedByHandOver
        context.channel.setOption(ChannelOptions.autoRead, value: !paused).whenFailure { _ in
            // The channel has closed.
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let session = self.session
        let channel = context.channel
        session.eventLoop.execute { session.webSocketClosed(.channel(channel)) }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            let session = self.session
            let channel = context.channel
            if session.eventLoop.inEventLoop {
                session.webSocketWritable(.channel(channel))
            } else {
                session.eventLoop.execute { session.webSocketWritable(.channel(channel)) }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case is NIOWebSocketError:
            // WebSocketProtocolErrorHandler has sent the close frame (1009 for a frame over
            // maxPayload, 1002 otherwise) and closes.
            self.closeSent = true
            self.logger.info("closing websocket", metadata: ["reason": "\(error)", "eio.sid": "\(self.session.id)"])
        case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge, PerMessageDeflateError.messageTooLarge:
            self.fail(context: context, code: .messageTooLarge, "message larger than maxPayload")
        case PerMessageDeflateError.invalidCompressedData:
            // `ws` closes with 1007 when zlib cannot inflate a message.
            self.fail(context: context, code: .dataInconsistentWithMessage, "invalid compressed data")
        case is NIOWebSocketFrameAggregator.Error:
            self.fail(context: context, code: .protocolError, "\(error)")
        default:
            self.logger.debug("websocket connection error", metadata: ["error": "\(error)", "eio.sid": "\(self.session.id)"])
            context.close(promise: nil)
        }
    }

    /// Closes the connection with a close frame and one log line.
    private func fail(context: ChannelHandlerContext, code: WebSocketErrorCode, _ message: String) {
        self.logger.info("closing websocket", metadata: ["reason": "\(message)", "eio.sid": "\(self.session.id)"])
        guard !self.closeSent else { return context.close(promise: nil) }
        self.closeSent = true
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(.close(code: code))).whenComplete { _ in channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension EngineIOWebSocketHandler: Sendable {}
