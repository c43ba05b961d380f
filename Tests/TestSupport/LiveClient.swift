import NIOCore
import NIOPosix

/// A raw Engine.IO client over a real loopback WebSocket, for tests that need a live server:
/// exact frames out, exact frames in, and nothing hidden (it does not answer pings by itself
/// unless told to).
public final class LiveWebSocketClient: Sendable {
    private let channel: any Channel
    private let inbox: FrameInbox
    private let switching: Watched<RawResponse?>

    private init(channel: any Channel, inbox: FrameInbox, switching: Watched<RawResponse?>) {
        self.channel = channel
        self.inbox = inbox
        self.switching = switching
    }

    /// The server's answer to the upgrade request (`101 Switching Protocols`, or the refusal),
    /// once it has arrived; `nil` after `timeout`.
    public func upgradeResponse(timeout: Duration = .seconds(5)) async -> RawResponse? {
        try? await self.switching.wait(timeout: timeout) { $0 }
    }

    /// Connects and upgrades to `/socket.io/?EIO=4&transport=websocket` (or `path`).
    public static func connect(
        port: Int,
        path: String = "/socket.io/?EIO=4&transport=websocket",
        answerPings: Bool = true
    ) async throws -> LiveWebSocketClient {
        let inbox = FrameInbox(([], false))
        let switching = Watched<RawResponse?>(nil)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FrameCollector(inbox: inbox, switching: switching, answerPings: answerPings))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return LiveWebSocketClient(channel: channel, inbox: inbox, switching: switching)
    }

    /// Sends one masked text frame.
    ///
    /// - Parameter text: The frame's payload, such as `4hello`.
    /// - Throws: When the connection is closed.
    public func send(text: String) async throws {
        try await self.channel.writeAndFlush(WebSocketWire.clientFrame(opcode: 0x1, payload: Array(text.utf8)))
    }

    /// Writes text frames back to back and returns without waiting for them to leave: a
    /// client flooding a server that may stop reading it.
    public func flood(texts: [String]) {
        for text in texts { self.channel.write(WebSocketWire.clientFrame(opcode: 0x1, payload: Array(text.utf8)), promise: nil) }
        self.channel.flush()
    }

    /// Sends one masked binary frame.
    ///
    /// - Parameter binary: The frame's payload.
    /// - Throws: When the connection is closed.
    public func send(binary: [UInt8]) async throws {
        try await self.channel.writeAndFlush(WebSocketWire.clientFrame(opcode: 0x2, payload: binary))
    }

    /// The next frame (pings skipped when they are answered automatically), or `nil` once the
    /// server closed the connection or after `timeout`. Waits for the frame to arrive (the
    /// channel's read wakes it), with no polling.
    public func next(timeout: Duration = .seconds(5)) async -> WebSocketWire.Frame? {
        let next = try? await self.inbox.wait(timeout: timeout) { inbox -> WebSocketWire.Frame?? in
            if !inbox.frames.isEmpty { return .some(inbox.frames.removeFirst()) }
            return inbox.closed ? .some(nil) : nil
        }
        return next ?? nil
    }

    /// The next text frame's text.
    public func nextText(timeout: Duration = .seconds(5)) async -> String? {
        await self.next(timeout: timeout)?.text
    }

    /// Waits until the server closes the connection or sends a close frame (or `timeout`);
    /// `true` when it did. The frames before the close are read and dropped.
    public func waitForClose(timeout: Duration = .seconds(5)) async -> Bool {
        let closed = try? await self.inbox.wait(timeout: timeout) { inbox -> Bool? in
            while !inbox.frames.isEmpty {
                if inbox.frames.removeFirst().opcode == 0x8 { return true }
            }
            return inbox.closed ? true : nil
        }
        return closed ?? !self.channel.isActive
    }

    /// Closes the TCP connection without a WebSocket close frame.
    public func close() async {
        try? await self.channel.close()
    }
}

/// Reads the 101 response, then WebSocket frames, into a stream.
private final class FrameCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let inbox: FrameInbox
    private let switching: Watched<RawResponse?>
    private let answerPings: Bool
    private var buffer = ByteBuffer()
    private var upgraded = false

    init(inbox: FrameInbox, switching: Watched<RawResponse?>, answerPings: Bool) {
        self.inbox = inbox
        self.switching = switching
        self.answerPings = answerPings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = self.unwrapInboundIn(data)
        self.buffer.writeBuffer(&chunk)
        if !self.upgraded {
            guard let response = RawResponse.parse(&self.buffer) else { return }
            self.switching.update { $0 = response }
            guard response.status == 101 else {
                self.inbox.finish()
                context.close(promise: nil)
                return
            }
            self.upgraded = true
        }
        while let frame = WebSocketWire.parseServerFrame(&self.buffer) {
            if self.answerPings, frame.opcode == 0x1, frame.payload == [UInt8(ascii: "2")] {
                context.writeAndFlush(self.wrapOutboundOut(WebSocketWire.clientFrame(opcode: 0x1, payload: [UInt8(ascii: "3")])), promise: nil)
                continue
            }
            self.inbox.put(frame)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.inbox.finish()
        context.fireChannelInactive()
    }
}

/// Frames received and not yet read, and whether the connection closed.
typealias FrameInbox = Watched<(frames: [WebSocketWire.Frame], closed: Bool)>

extension Watched where Value == (frames: [WebSocketWire.Frame], closed: Bool) {
    func put(_ frame: WebSocketWire.Frame) { self.update { $0.frames.append(frame) } }
    func finish() { self.update { $0.closed = true } }
}

/// One HTTP request on its own connection, for polling tests against a live server.
public enum LiveHTTP {
    /// Sends one request with `Connection: close` and waits up to 10 s for the whole response.
    ///
    /// - Parameters:
    ///   - port: The server's loopback port.
    ///   - method: The method, such as `GET`.
    ///   - path: The request target, path and query.
    ///   - headers: Extra headers.
    ///   - body: A body, sent with its `Content-Length`.
    /// - Returns: The parsed response.
    /// - Throws: ``LiveHTTPError/timeout`` with no whole response in time, or a connection error.
    public static func request(
        port: Int,
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: String? = nil
    ) async throws -> RawResponse {
        let inbox = ResponseInbox(nil)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(inbox: inbox, headRequest: method == "HEAD"))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        try await channel.writeAndFlush(ByteBuffer(string: text))
        do {
            return try await inbox.wait(timeout: .seconds(10)) { $0 }
        } catch is WaitTimedOut {
            try? await channel.close()
            throw LiveHTTPError.timeout
        }
    }
}

/// Why a ``LiveHTTP`` request failed.
public enum LiveHTTPError: Error {
    /// No whole response within 10 s.
    case timeout
}

/// The response, once it is whole.
typealias ResponseInbox = Watched<RawResponse?>

private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let inbox: ResponseInbox
    private let headRequest: Bool
    private var buffer = ByteBuffer()

    init(inbox: ResponseInbox, headRequest: Bool) {
        self.inbox = inbox
        self.headRequest = headRequest
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = self.unwrapInboundIn(data)
        self.buffer.writeBuffer(&chunk)
        if let response = RawResponse.parse(&self.buffer, headRequest: self.headRequest) { self.inbox.update { $0 = response } }
    }
}

extension RawResponse: @unchecked Sendable {}
