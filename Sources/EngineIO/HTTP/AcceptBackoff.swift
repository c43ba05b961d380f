import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Stops accepting for a moment when the process is out of descriptors or memory (`EMFILE`,
/// `ENFILE`, `ENOBUFS`, `ENOMEM`), and says so at most once a second.
///
/// NIO's `AcceptBackoffHandler` delays the next `read()`, but after an `accept(2)` that fails
/// at once the listening channel still has a read pending and stays registered, so epoll wakes
/// it again straight away: 15,668 failed `accept4` calls in 3 s here, a core spinning. Turning
/// `autoRead` off unregisters it; it is turned on again after `interval`.
final class AcceptBackoff: ChannelInboundHandler {
    typealias InboundIn = Never

    private let interval: TimeAmount
    private let log: RateLimitedLog
    private let logger: Logger
    private let connectionCount: @Sendable () -> Int
    private var paused = false

    init(interval: TimeAmount, logger: Logger, connectionCount: @escaping @Sendable () -> Int) {
        self.interval = interval
        self.log = RateLimitedLog(interval: .seconds(1))
        self.logger = logger
        self.connectionCount = connectionCount
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode) else {
            return context.fireErrorCaught(error)
        }
        if self.log.allow() {
            self.logger.error("accept failed; backing off", metadata: ["error": "\(error)", "connections": "\(self.connectionCount())"])
        }
        guard !self.paused, let options = context.channel.syncOptions else { return }
        self.paused = true
        try? options.setOption(.autoRead, value: false)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: self.interval) {
            let (handler, context) = loopBound.value
            handler.paused = false
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }
}

@available(*, unavailable)
extension AcceptBackoff: Sendable {}
