import EngineIO
import EngineIOProtocol
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A test client's live connection: an `HTTPServer` of its own for the server's engine, on a
/// loopback port, and a NIO WebSocket client to it (``TestTransportMode/live``).
final class LiveWebSocketTransport: TestTransport {
    private let channel: any Channel
    private let server: HTTPServer

    private init(channel: any Channel, server: HTTPServer) {
        self.channel = channel
        self.server = server
    }

    /// Serves `engine` on a loopback port and opens a WebSocket to `uri` on it; frames from the
    /// server go to `deliver`, and `closed` runs once the connection ends.
    static func connect(
        engine: EngineIOServer,
        uri: String,
        headers: HTTPHeaders,
        deliver: @escaping @Sendable (EngineIOFrame) -> Void,
        closed: @escaping @Sendable () -> Void
    ) async throws -> LiveWebSocketTransport {
        let server = try await HTTPServer.bind(host: "127.0.0.1", port: 0, engines: [engine])
        let port = server.port ?? 0
        let upgraded = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: engine.configuration.maxPayload) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOWebSocketFrameAggregator(
                                    minNonFinalFragmentSize: 0,
                                    maxAccumulatedFrameCount: 1024,
                                    maxAccumulatedFrameSize: engine.configuration.maxPayload
                                )
                            )
                            try channel.pipeline.syncOperations.addHandler(FrameHandler(deliver: deliver, closed: closed))
                            upgraded.succeed()
                        }
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers(
                            withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                        )
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            // A refusal (an HTTP answer instead of the 101) closes the connection or leaves it
            // waiting: either ends the wait.
            channel.closeFuture.whenComplete { _ in upgraded.fail(LiveTransportError(status: 0)) }
            let timeout = channel.eventLoop.scheduleTask(in: .seconds(5)) { upgraded.fail(LiveTransportError(status: 1)) }
            var requestHeaders = headers
            requestHeaders.replaceOrAdd(name: "host", value: "127.0.0.1:\(port)")
            requestHeaders.replaceOrAdd(name: "content-length", value: "0")
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: requestHeaders)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            defer { timeout.cancel() }
            try await upgraded.futureResult.get()
            return LiveWebSocketTransport(channel: channel, server: server)
        } catch {
            upgraded.fail(error)
            await server.closeListener()
            throw error
        }
    }

    func send(_ frame: EngineIOFrame) {
        // RFC 6455 §5.3: a client masks every frame.
        let webSocketFrame: WebSocketFrame
        switch frame {
        case .text(let bytes): webSocketFrame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: bytes)
        case .binary(let bytes): webSocketFrame = WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: bytes)
        }
        self.channel.writeAndFlush(webSocketFrame, promise: nil)
    }

    func close() {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: .normalClosure)
        let channel = self.channel
        let server = self.server
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)).whenComplete { _ in
            channel.close(promise: nil)
            Task { await server.closeListener() }
        }
    }

    /// Frames from the server.
    final class FrameHandler: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame

        let deliver: @Sendable (EngineIOFrame) -> Void
        let closed: @Sendable () -> Void

        init(deliver: @escaping @Sendable (EngineIOFrame) -> Void, closed: @escaping @Sendable () -> Void) {
            self.deliver = deliver
            self.closed = closed
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = self.unwrapInboundIn(data)
            switch frame.opcode {
            case .text: self.deliver(.text(frame.unmaskedData))
            case .binary: self.deliver(.binary(frame.unmaskedData))
            case .connectionClose: context.close(promise: nil)
            default: break
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.closed()
            context.fireChannelInactive()
        }
    }
}

/// The live server did not upgrade the test client's WebSocket.
struct LiveTransportError: Error, CustomStringConvertible {
    let status: UInt
    var description: String { self.status == 0 ? "the connection closed before the upgrade" : "no upgrade within 5 s" }
}

@available(*, unavailable)
extension LiveWebSocketTransport.FrameHandler: Sendable {}
