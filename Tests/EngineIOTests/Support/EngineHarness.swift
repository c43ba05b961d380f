import EngineIO
import EngineIOProtocol
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// An engine driven through `EmbeddedChannel`s on one `EmbeddedEventLoop`: exact request bytes
/// in, exact response bytes out, and a manual clock for the heartbeat.
final class EngineHarness {
    let loop = EmbeddedEventLoop()
    let engine: EngineIOServer

    init(configuration: EngineIOConfiguration = EngineIOConfiguration(), application: any EngineIOApplication = EchoApplication()) {
        self.engine = EngineIOServer(path: "/engine.io/", configuration: configuration, application: application)
    }

    /// A new client connection.
    func connect() throws -> Connection {
        let channel = EmbeddedChannel(loop: self.loop)
        try HTTPServer.configure(channel: channel, engines: [self.engine]) { request in
            request.path == "/health" ? .text("ok") : .notFound
        }
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
            "GET", uri,
            headers: [
                ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ])
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

/// A parsed HTTP/1.1 response.
struct RawResponse: CustomStringConvertible {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var description: String { "\(self.status) \(self.body)" }

    static func parse(_ buffer: inout ByteBuffer) -> RawResponse? {
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        let headText = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
        var lines = headText.split(separator: "\r\n").map(String.init)
        let statusLine = lines.removeFirst()
        let status = Int(statusLine.split(separator: " ")[1])!
        let headers = lines.map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1].drop { $0 == " " }) : "")
        }
        let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        let headLength = end.upperBound - view.startIndex
        guard buffer.readableBytes >= headLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headLength)
        let body = buffer.readString(length: length) ?? ""
        return RawResponse(status: status, headers: headers, body: body)
    }
}

/// RFC 6455 framing for the client side of the tests.
enum WebSocketWire {
    struct Frame: Equatable {
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { String(decoding: self.payload, as: UTF8.self) }
    }

    static func clientFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger((fin ? 0x80 : 0) | opcode)
        let mask: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        if payload.count < 126 {
            buffer.writeInteger(UInt8(0x80 | payload.count))
        } else if payload.count <= 0xFFFF {
            buffer.writeInteger(UInt8(0x80 | 126))
            buffer.writeInteger(UInt16(payload.count))
        } else {
            buffer.writeInteger(UInt8(0x80 | 127))
            buffer.writeInteger(UInt64(payload.count))
        }
        buffer.writeBytes(mask)
        buffer.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        return buffer
    }

    static func parseServerFrame(_ buffer: inout ByteBuffer) -> Frame? {
        let start = buffer.readerIndex
        guard let first = buffer.readInteger(as: UInt8.self), let second = buffer.readInteger(as: UInt8.self) else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let l = buffer.readInteger(as: UInt16.self) else { buffer.moveReaderIndex(to: start); return nil }
            length = Int(l)
        } else if length == 127 {
            guard let l = buffer.readInteger(as: UInt64.self) else { buffer.moveReaderIndex(to: start); return nil }
            length = Int(l)
        }
        guard let payload = buffer.readBytes(length: length) else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        return Frame(opcode: first & 0x0F, payload: payload)
    }
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
