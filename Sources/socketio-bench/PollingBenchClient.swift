import NIOCore
import NIOHTTP1
import NIOPosix

/// One Socket.IO client on HTTP long-polling only, as a browser without WebSocket runs it: two
/// keep-alive connections, one for the long GET and one for POSTs, one request at a time on
/// each (Engine.IO v4 §transports: a second concurrent GET or POST is an error). Packets queued
/// while a POST is in flight go together in the next, separated by U+001E. `echo` events are
/// timed as in `BenchConnection`, sent when the pacer says. Everything runs on one event loop.
final class PollingBenchClient {
    private let eventLoop: any EventLoop
    private let recorder: LatencyRecorder
    private let connected: EventLoopPromise<Void>
    private let pacer: NIOLoopBound<Pacer>
    private let startedAt = NIODeadline.now()
    private var getLeg: HTTPLeg?
    private var postLeg: HTTPLeg?
    private var sid = ""
    private var isConnected = false
    private var closed = false
    private var outbox: [String] = []
    private var postInFlight = false
    private var inFlight: [Int: UInt64] = [:]
    private var nextID = 0

    private init(eventLoop: any EventLoop, recorder: LatencyRecorder, connected: EventLoopPromise<Void>, pacer: NIOLoopBound<Pacer>) {
        self.eventLoop = eventLoop
        self.recorder = recorder
        self.connected = connected
        self.pacer = pacer
    }

    /// Opens a client's two connections from `source` on `eventLoop` and waits until its
    /// CONNECT to `/` is answered; returns the channels, for closing.
    static func connect(
        host: String,
        port: Int,
        source: SocketAddress,
        eventLoop: any EventLoop,
        recorder: LatencyRecorder,
        pacer: NIOLoopBound<Pacer>
    ) async throws -> [any Channel] {
        let connected = eventLoop.makePromise(of: Void.self)
        let client = try await eventLoop.submit {
            NIOLoopBound(PollingBenchClient(eventLoop: eventLoop, recorder: recorder, connected: connected, pacer: pacer), eventLoop: eventLoop)
        }.get()
        func open(_ configure: @escaping @Sendable (HTTPLeg) -> Void) async throws -> any Channel {
            try await ClientBootstrap(group: eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let leg = HTTPLeg()
                        configure(leg)
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(leg)
                    }
                }
                .bind(to: source)
                .connect(host: host, port: port).get()
        }
        let getChannel = try await open { leg in
            leg.onResponse = { status, body in client.value.received(status: status, body: body) }
            leg.onClose = { client.value.stop() }
            client.value.getLeg = leg
        }
        let postChannel: any Channel
        do {
            postChannel = try await open { leg in
                leg.onResponse = { status, _ in client.value.posted(status: status) }
                leg.onClose = { client.value.stop() }
                client.value.postLeg = leg
            }
        } catch {
            getChannel.close(promise: nil)
            throw error
        }
        eventLoop.execute { client.value.getLeg?.send(method: .GET, uri: "/socket.io/?EIO=4&transport=polling", body: nil) }
        let timeout = eventLoop.scheduleTask(in: Clients.handshakeTimeout) { client.value.fail("no CONNECT reply in time") }
        defer { timeout.cancel() }
        do {
            try await connected.futureResult.get()
        } catch {
            getChannel.close(promise: nil)
            postChannel.close(promise: nil)
            throw error
        }
        return [getChannel, postChannel]
    }

    private var path: String { "/socket.io/?EIO=4&transport=polling&sid=\(self.sid)" }

    /// A long poll's answer: packets separated by U+001E.
    private func received(status: Int, body: ByteBuffer) {
        guard !self.closed else { return }
        guard status == 200 else { return self.fail("GET answered \(status)") }
        let text = String(buffer: body)
        for packet in text.split(separator: "\u{1e}", omittingEmptySubsequences: true) {
            self.handle(packet)
            if self.closed { return }
        }
        self.getLeg?.send(method: .GET, uri: self.path, body: nil)
    }

    private func handle(_ packet: Substring) {
        switch packet.first {
        case "0" where self.sid.isEmpty:
            // 0{"sid":"…",…}: the handshake.
            let bytes = Array(packet.utf8)
            guard let marker = bytes.firstRange(of: Array("\"sid\":\"".utf8)),
                let end = bytes[marker.upperBound...].firstIndex(of: UInt8(ascii: "\""))
            else { return self.fail("no sid in \(packet.prefix(60))") }
            self.sid = String(decoding: bytes[marker.upperBound..<end], as: UTF8.self)
            self.post("40")
        case "2":
            self.post("3")
        case "1":
            self.fail("the server closed the session")
        case "4" where packet.hasPrefix("40") && !self.isConnected:
            self.isConnected = true
            self.recorder.handshake(nanoseconds: NIODeadline.now().uptimeNanoseconds - self.startedAt.uptimeNanoseconds)
            self.connected.succeed(())
            self.pacer.value.add(self)
        case "4" where packet.hasPrefix("43"):
            var id = 0
            for byte in packet.utf8.dropFirst(2) {
                guard byte >= 48, byte <= 57 else { break }
                id = id * 10 + Int(byte - 48)
            }
            if let sent = self.inFlight.removeValue(forKey: id) {
                self.recorder.record(nanoseconds: NIODeadline.now().uptimeNanoseconds - sent)
            }
        default:
            break
        }
    }

    func sendPaced() { self.sendEcho() }

    private func sendEcho() {
        guard self.isConnected, !self.closed, self.recorder.sent() else { return }
        let id = self.nextID
        self.nextID += 1
        self.inFlight[id] = NIODeadline.now().uptimeNanoseconds
        self.post("42\(id)[\"echo\",\(id)]")
    }

    /// Queues a packet; sends the queue when no POST is in flight.
    private func post(_ packet: String) {
        self.outbox.append(packet)
        self.flushOutbox()
    }

    private func flushOutbox() {
        guard !self.postInFlight, !self.outbox.isEmpty, let leg = self.postLeg else { return }
        let body = self.outbox.joined(separator: "\u{1e}")
        self.outbox.removeAll(keepingCapacity: true)
        self.postInFlight = true
        leg.send(method: .POST, uri: self.path, body: body)
    }

    private func posted(status: Int) {
        guard !self.closed else { return }
        guard status == 200 else { return self.fail("POST answered \(status)") }
        self.postInFlight = false
        self.flushOutbox()
    }

    fileprivate func fail(_ message: String) {
        guard !self.closed else { return }
        self.closed = true
        if !self.isConnected { self.connected.fail(BenchError(message)) }
    }

    /// Called when either connection closes.
    func stop() {
        self.closed = true
        if !self.isConnected { self.connected.fail(BenchError("connection closed")) }
    }
}

extension PollingBenchClient: PacedClient {}

@available(*, unavailable)
extension PollingBenchClient: Sendable {}

/// One keep-alive HTTP/1.1 connection that sends a request and hands its whole response on.
final class HTTPLeg: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    var onResponse: (Int, ByteBuffer) -> Void = { _, _ in }
    var onClose: () -> Void = {}
    private var context: ChannelHandlerContext?
    private var status = 0
    private var body = ByteBuffer()

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func send(method: HTTPMethod, uri: String, body: String?) {
        guard let context = self.context else { return }
        var headers: HTTPHeaders = ["Host": "127.0.0.1"]
        if let body {
            headers.add(name: "Content-Type", value: "text/plain;charset=UTF-8")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
        }
        context.write(self.wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers))), promise: nil)
        if let body {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = Int(head.status.code)
            self.body.clear()
        case .body(var chunk):
            self.body.writeBuffer(&chunk)
        case .end:
            self.onResponse(self.status, self.body)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.onClose()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTPLeg: Sendable {}
