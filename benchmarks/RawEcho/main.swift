import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

// raw-echo-ceiling: the limit our server is measured against in scripts/bench.sh (issue 6).
//
// A plain SwiftNIO WebSocket server with the least Socket.IO framing that `socketio-bench`
// needs: the Engine.IO open packet, CONNECT to `/`, a ping every 25 s, `42<id>["echo",x]`
// answered with `43<id>[x]`, and `42["broadcast",x]` sent on as `42["bcast",x]` to everyone
// (encoded once). No sessions, no polling, no namespaces, no parsing beyond the prefix: whatever
// our server costs above this is the price of being a Socket.IO server.
//
//   raw-echo-ceiling [--port 3100]
#if canImport(Glibc)
import Glibc
#endif

/// Every open connection, for `bcast`; guarded because connections live on both event loops.
final class Connections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) { self.channels.withLock { $0[ObjectIdentifier(channel)] = channel } }
    func remove(_ channel: any Channel) { _ = self.channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }

    /// Writes one already-encoded frame to every connection.
    func broadcast(_ frame: WebSocketFrame) {
        let targets = self.channels.withLock { Array($0.values) }
        for channel in targets { channel.writeAndFlush(frame, promise: nil) }
    }
}

final class RawSocketIOHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let connections: Connections
    private var ping: RepeatedTask?

    init(connections: Connections) { self.connections = connections }

    func handlerAdded(context: ChannelHandlerContext) {
        self.connections.add(context.channel)
        let sid = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        self.send(#"0{"sid":"\#(sid)","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#, context: context)
        let channel = context.channel
        self.ping = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(25), delay: .seconds(25)) { _ in
            var buffer = channel.allocator.buffer(capacity: 1)
            buffer.writeInteger(UInt8(ascii: "2"))
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.ping?.cancel()
        self.connections.remove(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .connectionClose:
            context.close(promise: nil)
            return
        case .text:
            break
        default:
            return
        }
        var payload = frame.unmaskedData
        guard let type = payload.readInteger(as: UInt8.self) else { return }
        switch type {
        case UInt8(ascii: "4"):
            self.socketIOPacket(&payload, context: context)
        default:
            break  // "3" (pong) and anything else: nothing to do
        }
    }

    /// `0` (CONNECT) and `2` (EVENT) of Socket.IO, read by prefix only.
    private func socketIOPacket(_ payload: inout ByteBuffer, context: ChannelHandlerContext) {
        guard let kind = payload.readInteger(as: UInt8.self) else { return }
        if kind == UInt8(ascii: "0") {
            self.send(#"40{"sid":"\#(String(UInt64.random(in: 0...UInt64.max), radix: 36))"}"#, context: context)
            return
        }
        guard kind == UInt8(ascii: "2") else { return }
        // Absolute indices into the buffer; the slices are read before any index moves.
        let view = payload.readableBytesView
        let idEnd = view.firstIndex { $0 < 48 || $0 > 57 } ?? view.endIndex
        guard let comma = view[idEnd...].firstIndex(of: UInt8(ascii: ",")) else { return }
        let id = payload.getSlice(at: view.startIndex, length: idEnd - view.startIndex)!
        let name = payload.getSlice(at: idEnd, length: comma - idEnd)!
        let rest = payload.getSlice(at: comma + 1, length: view.endIndex - comma - 1)!
        if name.readableBytesView.elementsEqual(#"["echo""#.utf8), id.readableBytes > 0 {
            var out = context.channel.allocator.buffer(capacity: 4 + id.readableBytes + rest.readableBytes)
            out.writeStaticString("43")
            out.writeImmutableBuffer(id)
            out.writeInteger(UInt8(ascii: "["))
            out.writeImmutableBuffer(rest)
            context.writeAndFlush(self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: out)), promise: nil)
        } else if name.readableBytesView.elementsEqual(#"["broadcast""#.utf8) {
            var out = context.channel.allocator.buffer(capacity: 11 + rest.readableBytes)
            out.writeStaticString(#"42["bcast","#)
            out.writeImmutableBuffer(rest)
            self.connections.broadcast(WebSocketFrame(fin: true, opcode: .text, data: out))
        }
    }

    private func send(_ text: String, context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }
}

@available(*, unavailable)
extension RawSocketIOHandler: Sendable {}

var port = 3100
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard flag == "--port", let value = arguments.popFirst(), let number = Int(value) else {
        print("usage: raw-echo-ceiling [--port 3100]")
        exit(64)
    }
    port = number
}

let connections = Connections()
let upgrader = NIOWebSocketServerUpgrader(
    maxFrameSize: 1 << 20,
    shouldUpgrade: { channel, head in
        channel.eventLoop.makeSucceededFuture(head.uri.hasPrefix("/socket.io/") ? HTTPHeaders() : nil)
    },
    upgradePipelineHandler: { channel, _ in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RawSocketIOHandler(connections: connections))
        }
    }
)
let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.backlog, value: 4096)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
    }
    .bind(host: "127.0.0.1", port: port).get()
print("raw-echo-ceiling listening on http://127.0.0.1:\(port)")
fflush(nil)  // a pipe is fully buffered; whoever started us may wait for this line
try await channel.closeFuture.get()
