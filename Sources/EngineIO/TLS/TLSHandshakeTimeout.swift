import NIOCore
import NIOTLS

/// Closes a TLS connection whose handshake has not finished within the timeout, then leaves the
/// pipeline once it has. Sits right behind `NIOSSLServerHandler`, which reports the end of the
/// handshake as `TLSUserEvent.handshakeCompleted`.
///
/// Without it, a client that opens TCP and sends nothing, or trickles a ClientHello a byte at a
/// time, holds a connection (and its slot under `maxConnections`) for as long as it likes: the
/// HTTP timeouts only start on the decrypted bytes behind the handshake.
final class TLSHandshakeTimeout: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: Duration
    private var timer: Scheduled<Void>?

    init(timeout: Duration) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let nanoseconds = Int64(self.timeout.components.seconds) * 1_000_000_000 + self.timeout.components.attoseconds / 1_000_000_000
        let channel = context.channel
        self.timer = context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            self.timer?.cancel()
            self.timer = nil
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension TLSHandshakeTimeout: Sendable {}
