import EngineIOProtocol
import Logging
import NIOCore
import NIOWebSocket

/// Turns WebSocket frames into Engine.IO frames for one session (RFC 6455 framing: control
/// frames, fragmented messages, the close handshake) and tells the session when the socket
/// closes or drains.
///
/// It is the only per-connection handler after an upgrade, next to NIO's frame encoder and
/// decoder: the HTTP handlers are gone by then.
final class EngineIOWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let session: EngineIOSocket
    private let maxPayload: Int
    private let logger: Logger
    /// A fragmented message being put together: its opcode and bytes so far.
    private var fragments: (opcode: WebSocketOpcode, data: ByteBuffer)?
    private var closeSent = false

    init(session: EngineIOSocket, maxPayload: Int, logger: Logger) {
        self.session = session
        self.maxPayload = maxPayload
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            guard self.fragments == nil else { return self.fail(context: context, code: .protocolError, "new message inside a fragmented one") }
            if frame.fin {
                self.deliver(opcode: frame.opcode, data: frame.unmaskedData, context: context)
            } else {
                self.fragments = (frame.opcode, frame.unmaskedData)
            }
        case .continuation:
            guard case (let opcode, var data)? = self.fragments else { return self.fail(context: context, code: .protocolError, "stray continuation frame") }
            self.fragments = nil
            var chunk = frame.unmaskedData
            guard data.readableBytes + chunk.readableBytes <= self.maxPayload else {
                return self.fail(context: context, code: .messageTooLarge, "message larger than maxPayload")
            }
            data.writeBuffer(&chunk)
            if frame.fin {
                self.deliver(opcode: opcode, data: data, context: context)
            } else {
                self.fragments = (opcode, data)
            }
        case .ping:
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
            session.eventLoop.execute { session.receive(frame, from: .channel(channel)) }
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
        if let error = error as? NIOWebSocketError, case .invalidFrameLength = error {
            self.fail(context: context, code: .messageTooLarge, "frame larger than maxPayload")
        } else {
            self.fail(context: context, code: .protocolError, "\(error)")
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
