import NIOCore

/// RESP on one channel: commands out, replies matched to them in order (so any number may be
/// in flight: pipelining), and pub/sub messages handed to `onMessage`.
///
/// In RESP2 a subscribed connection receives `message` and `pmessage` arrays it did not ask
/// for; every other value answers the oldest command still waiting.
final class RESPChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = (arguments: [RESPArgument], promise: EventLoopPromise<RESPValue>)
    typealias OutboundOut = ByteBuffer

    private var parser: RESPParser
    private let onMessage: (@Sendable (RedisMessage) -> Void)?
    private var buffer = ByteBuffer()
    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>()

    init(parser: RESPParser = RESPParser(), onMessage: (@Sendable (RedisMessage) -> Void)?) {
        self.parser = parser
        self.onMessage = onMessage
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = self.unwrapInboundIn(data)
        self.buffer.writeBuffer(&chunk)
        do {
            while let value = try self.parser.parse(&self.buffer) {
                if let onMessage = self.onMessage, RedisMessage.isPush(value) {
                    // A push whose payload the parser's keep limits dropped is dropped too;
                    // it never answers a command.
                    if let message = RedisMessage(value) { onMessage(message) }
                } else if let promise = self.waiting.popFirst() {
                    if case .error(let text) = value {
                        promise.fail(RESPError.server(text))
                    } else {
                        promise.succeed(value)
                    }
                }
            }
            // Compact only when what was read outweighs what is left: moving an unfinished
            // large bulk string to the front on every read would make its arrival O(n²).
            if self.buffer.readableBytes == 0 {
                self.buffer.clear()
            } else if self.buffer.readerIndex > 65_536, self.buffer.readerIndex > self.buffer.readableBytes {
                self.buffer.discardReadBytes()
            }
        } catch {
            self.failAll(error)
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let (arguments, reply) = self.unwrapOutboundIn(data)
        var bytes = context.channel.allocator.buffer(capacity: 64)
        RESPCommandEncoder.encode(arguments, into: &bytes)
        self.waiting.append(reply)
        context.write(self.wrapOutboundOut(bytes), promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(RESPError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let promise = self.waiting.popFirst() { promise.fail(error) }
    }
}

@available(*, unavailable)
extension RESPChannelHandler: Sendable {}
