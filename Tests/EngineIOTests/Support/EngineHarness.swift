import EngineIO
import EngineIOProtocol
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import TestSupport

/// An engine driven through `EmbeddedChannel`s on one `EmbeddedEventLoop`: exact request bytes
/// in, exact response bytes out, and a manual clock for the heartbeat.
final class EngineHarness {
    let loop = EmbeddedEventLoop()
    let engine: EngineIOServer
    let limits: HTTPServerLimits

    init(
        configuration: EngineIOConfiguration = EngineIOConfiguration(),
        application: any EngineIOApplication = EchoApplication(),
        limits: HTTPServerLimits = HTTPServerLimits(),
        logger: Logger = Logger(label: "engineio")
    ) {
        self.engine = EngineIOServer(path: "/engine.io/", configuration: configuration, application: application, logger: logger)
        self.limits = limits
    }

    /// A new client connection.
    func connect() throws -> Connection {
        let channel = EmbeddedChannel(loop: self.loop)
        try HTTPServer.configure(
            channel: channel,
            engines: [self.engine],
            responder: { request in
                request.path == "/health" ? .text("ok") : .notFound
            },
            maxRequestBody: 1024,
            limits: self.limits
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        return Connection(channel: channel, loop: self.loop)
    }

    /// Opens a polling session and returns its id.
    func openPollingSession(on connection: Connection) throws -> String {
        let response = try connection.request("GET", "/engine.io/?EIO=4&transport=polling")
        precondition(response.status == 200, "handshake failed: \(response)")
        return try handshakeSID(response.body)
    }

    func advance(by amount: TimeAmount) {
        self.loop.advanceTime(by: amount)
    }
}

/// The `sid` of an `open` packet's text.
func handshakeSID(_ text: String) throws -> String {
    let marker = Array(#""sid":""#.utf8)
    let bytes = Array(text.utf8)
    guard text.hasPrefix("0"), let range = bytes.firstRange(of: marker) else { throw HarnessError.noSID(text) }
    return String(decoding: bytes[range.upperBound...].prefix { $0 != UInt8(ascii: "\"") }, as: UTF8.self)
}

enum HarnessError: Error {
    case noSID(String)
    case noResponse
    case notWebSocket(String)
}

/// One client TCP connection to the harness.
final class Connection {
    let channel: EmbeddedChannel
    let loop: EmbeddedEventLoop
    private var pending = ByteBuffer()

    init(channel: EmbeddedChannel, loop: EmbeddedEventLoop) {
        self.channel = channel
        self.loop = loop
    }

    /// Sends raw bytes.
    func sendRaw(_ text: String) throws {
        try self.channel.writeInbound(ByteBuffer(string: text))
        self.loop.run()
    }

    /// Sends a request without waiting for its answer.
    func send(_ method: String, _ uri: String, headers: [(String, String)] = [], body: String? = nil) throws {
        var text = "\(method) \(uri) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n"
        if let body { text += body }
        try self.channel.writeInbound(ByteBuffer(string: text))
        self.loop.run()
    }

    /// Sends a request and reads its answer.
    func request(_ method: String, _ uri: String, headers: [(String, String)] = [], body: String? = nil) throws -> RawResponse {
        try self.send(method, uri, headers: headers, body: body)
        guard let response = try self.readResponse() else { throw HarnessError.noResponse }
        return response
    }

    /// Collects what the server wrote so far.
    func drainOutbound() throws {
        self.loop.run()
        while let part = try self.channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(var buffer) = part { self.pending.writeBuffer(&buffer) }
        }
        while var buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
            self.pending.writeBuffer(&buffer)
        }
    }

    /// The next complete HTTP response, if the server wrote one.
    func readResponse() throws -> RawResponse? {
        try self.drainOutbound()
        guard let response = RawResponse.parse(&self.pending) else { return nil }
        return response
    }

    /// Upgrades this connection to a WebSocket; returns the 101 response.
    func upgrade(_ uri: String) throws -> RawResponse {
        let response = try self.request(
            "GET",
            uri,
            headers: [
                ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ]
        )
        return response
    }

    /// Writes one masked client WebSocket frame.
    func sendFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) throws {
        try self.channel.writeInbound(WebSocketWire.clientFrame(opcode: opcode, payload: payload, fin: fin))
        self.loop.run()
    }

    func sendText(_ text: String) throws { try self.sendFrame(opcode: 0x1, Array(text.utf8)) }

    /// The next server WebSocket frame, if one was written.
    func readFrame() throws -> WebSocketWire.Frame? {
        try self.drainOutbound()
        return WebSocketWire.parseServerFrame(&self.pending)
    }

    /// Every server frame written so far.
    func readFrames() throws -> [WebSocketWire.Frame] {
        var frames: [WebSocketWire.Frame] = []
        while let frame = try self.readFrame() { frames.append(frame) }
        return frames
    }

    var isActive: Bool { self.channel.isActive }
}

/// The Engine.IO suite's echo application.
struct EchoApplication: EngineIOApplication {
    func engineSocketDidOpen(_ socket: EngineIOSocket) -> any EngineIOSocketHandler { Handler() }

    final class Handler: EngineIOSocketHandler {
        func socket(_ socket: EngineIOSocket, didReceive message: EngineIOPacket.Payload) {
            try? socket.send([EngineIOPacket(type: .message, payload: message).frame])
        }

        func socket(_ socket: EngineIOSocket, didCloseWith reason: EngineIOCloseReason) {}
    }
}
