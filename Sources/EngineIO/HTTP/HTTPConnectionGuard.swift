import Logging
import NIOCore

/// What the HTTP handler tells ``HTTPConnectionGuard`` about the request it is on, as user
/// outbound events (they travel from the HTTP handler towards the socket, through the guard).
enum HTTPConnectionEvent: Sendable {
    case headReceived
    case requestDispatched
    case responseFinished(keepAlive: Bool)
    case upgraded
}

/// The first handler of an HTTP connection: it sees raw bytes before the HTTP decoder and
/// enforces ``HTTPServerLimits``' timeouts and head size with ``HTTPConnectionTimeouts``.
///
/// It answers its own refusals (408, 431) as raw bytes, since they can only happen while no
/// response is in progress, and closes the connection after them. After a WebSocket upgrade it
/// takes itself out of the pipeline.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private var timeouts: HTTPConnectionTimeouts
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?
    private let logger: Logger
    /// Request heads the decoder has produced, to tell whether a read finished one.
    private var headsReceived = 0

    init(limits: HTTPServerLimits, logger: Logger) {
        self.timeouts = HTTPConnectionTimeouts(limits: limits, now: .now())
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.timeouts = HTTPConnectionTimeouts(limits: self.timeouts.limits, now: context.eventLoop.now)
        if context.channel.isActive { self.rearm(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.rearm(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closed = self.timeouts.phase { return }  // refused: nothing more is read
        let count = self.unwrapInboundIn(data).readableBytes
        let headsBefore = self.headsReceived
        context.fireChannelRead(data)
        // Counted after the decoder has seen them, and only when they did not finish a head:
        // then all of them belong to the head still being read. (A read that finished one may
        // also hold its body, or a whole request already answered.)
        guard self.headsReceived == headsBefore else { return }
        self.carryOut(self.timeouts.bytesRead(count, now: context.eventLoop.now), context: context)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? HTTPConnectionEvent else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        promise?.succeed()
        switch event {
        case .headReceived:
            self.headsReceived &+= 1
            self.timeouts.headReceived(now: context.eventLoop.now)
            self.rearm(context: context)
        case .requestDispatched:
            self.timeouts.requestDispatched()
            self.rearm(context: context)
        case .responseFinished(let keepAlive):
            self.carryOut(self.timeouts.responseFinished(keepAlive: keepAlive, now: context.eventLoop.now), context: context)
        case .upgraded:
            self.timeouts.upgraded()
            self.cancelTimer()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    private func carryOut(_ action: HTTPConnectionTimeouts.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            self.rearm(context: context)
        case .close:
            self.cancelTimer()
            context.close(promise: nil)
        case .reject(let rejection):
            self.cancelTimer()
            let status = rejection == .requestTimeout ? "408 Request Timeout" : "431 Request Header Fields Too Large"
            self.logger.debug(
                "http request refused",
                metadata: ["status": "\(status)", "peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"]
            )
            let response = "HTTP/1.1 \(status)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(.byteBuffer(ByteBuffer(string: response)))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    /// Keeps one timer, for the current deadline.
    private func rearm(context: ChannelHandlerContext) {
        let deadline = self.timeouts.deadline
        if let timer = self.timer, timer.deadline == deadline { return }
        self.cancelTimer()
        guard let deadline else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let task = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            handler.carryOut(handler.timeouts.timerFired(now: context.eventLoop.now), context: context)
        }
        self.timer = (deadline, task)
    }

    private func cancelTimer() {
        self.timer?.task.cancel()
        self.timer = nil
    }
}

@available(*, unavailable)
extension HTTPConnectionGuard: Sendable {}
