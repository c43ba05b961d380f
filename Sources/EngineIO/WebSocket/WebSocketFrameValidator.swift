import EngineIOProtocol
import Logging
import NIOCore
import NIOWebSocket

/// The RFC 6455 rules NIO's frame decoder leaves to its user, checked on every frame a client
/// sends, as `ws` (Node) checks them: a violation closes with 1002 (1007 for a close reason that
/// is not UTF-8).
enum WebSocketFrameRules {
    /// - Parameter deflate: the connection negotiated `permessage-deflate`.
    static func violation(in frame: WebSocketFrame, deflate: Bool = false) -> (code: WebSocketErrorCode, reason: String)? {
        // §5.1: a client masks every frame.
        guard frame.maskKey != nil else { return (.protocolError, "unmasked client frame") }
        // §5.2: RSV bits only with a negotiated extension. permessage-deflate takes RSV1, on the
        // first frame of a data message only: never on a continuation or a control frame
        // (RFC 7692 §6.1).
        guard !frame.rsv2, !frame.rsv3 else { return (.protocolError, "RSV bit set without an extension") }
        if frame.rsv1, !(deflate && (frame.opcode == .text || frame.opcode == .binary)) {
            return (.protocolError, deflate ? "RSV1 on a continuation or control frame" : "RSV bit set without an extension")
        }
        switch frame.opcode {
        case .continuation, .text, .binary, .ping, .pong:
            return nil
        case .connectionClose:
            return Self.closeFrameViolation(frame.unmaskedData)
        default:
            return (.protocolError, "reserved opcode (\(frame.opcode))")
        }
    }

    /// §5.5.1 and §7.4: a close body is empty, or a valid code and a UTF-8 reason.
    static func closeFrameViolation(_ body: ByteBuffer) -> (code: WebSocketErrorCode, reason: String)? {
        var body = body
        if body.readableBytes == 0 { return nil }
        guard let code = body.readInteger(as: UInt16.self) else { return (.protocolError, "close frame of one byte") }
        guard Self.isValidCloseCode(code) else { return (.protocolError, "invalid close code \(code)") }
        let valid = body.withUnsafeReadableBytes { UTF8Validation.isValid($0) }
        return valid ? nil : (.dataInconsistentWithMessage, "close reason is not UTF-8")
    }

    /// The codes a peer may send (`ws`'s `isValidStatusCode`): 1000–1014 but for 1004–1006,
    /// which are reserved or never sent, and the registered and private ranges 3000–4999.
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        ((1000...1014).contains(code) && !(1004...1006).contains(code)) || (3000...4999).contains(code)
    }
}

/// Applies ``WebSocketFrameRules`` between NIO's decoder and its aggregator. After a violation
/// it answers with a close frame, closes, and passes nothing more on.
final class WebSocketFrameValidator: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let logger: Logger
    private let deflate: Bool
    private var failed = false

    init(logger: Logger, deflate: Bool = false) {
        self.logger = logger
        self.deflate = deflate
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.failed else { return }
        guard let (code, reason) = WebSocketFrameRules.violation(in: self.unwrapInboundIn(data), deflate: self.deflate) else {
            return context.fireChannelRead(data)
        }
        self.failed = true
        self.logger.info("closing websocket", metadata: ["reason": "\(reason)"])
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(.close(code: code))).whenComplete { _ in channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension WebSocketFrameValidator: Sendable {}
