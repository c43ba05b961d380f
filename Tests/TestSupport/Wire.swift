public import NIOCore

/// A parsed HTTP/1.1 response.
public struct RawResponse: CustomStringConvertible {
    /// The status code from the status line.
    public var status: Int
    /// The headers in the order received, names as sent.
    public var headers: [(String, String)]
    /// The body, `Content-Length` bytes decoded as UTF-8.
    public var body: String
    /// The body's bytes as received (a compressed body is not UTF-8).
    public var bodyBytes: [UInt8] = []

    /// The first header with this name, compared case-insensitively.
    ///
    /// - Parameter name: The header name.
    /// - Returns: Its value, or `nil` when absent.
    public func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The status and body, for test failure messages.
    public var description: String { "\(self.status) \(self.body)" }

    /// - Parameter headRequest: the request was HEAD, so no body follows whatever the length.
    public static func parse(_ buffer: inout ByteBuffer, headRequest: Bool = false) -> RawResponse? {
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
        let noBody = headRequest || status == 204 || status == 304 || (100..<200).contains(status)
        let length = noBody ? 0 : headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        let headLength = end.upperBound - view.startIndex
        guard buffer.readableBytes >= headLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headLength)
        let bytes = buffer.readBytes(length: length) ?? []
        var response = RawResponse(status: status, headers: headers, body: String(decoding: bytes, as: UTF8.self))
        response.bodyBytes = bytes
        return response
    }
}

/// RFC 6455 framing for the client side of the tests.
public enum WebSocketWire {
    /// One whole frame as the server sent it.
    public struct Frame: Equatable, Sendable {
        /// The opcode (RFC 6455 §5.2): 0x1 text, 0x2 binary, 0x8 close, 0x9 ping, 0xA pong.
        public var opcode: UInt8
        /// The unmasked payload.
        public var payload: [UInt8]
        /// The RSV bits of the first byte (0x40 is RSV1: a permessage-deflate message).
        public var rsv: UInt8 = 0
        /// Creates a frame.
        ///
        /// - Parameters:
        ///   - opcode: The opcode.
        ///   - payload: The payload.
        public init(opcode: UInt8, payload: [UInt8]) {
            self.opcode = opcode
            self.payload = payload
        }
        /// The payload decoded as UTF-8, invalid bytes replaced.
        public var text: String { String(decoding: self.payload, as: UTF8.self) }
    }

    /// - Parameters:
    ///   - rsv: the three RSV bits, in the places they take in the first byte (0x70).
    ///   - masked: clients must mask (RFC 6455 §5.1); `false` makes a broken client's frame.
    public static func clientFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger((fin ? 0x80 : 0) | (rsv & 0x70) | opcode)
        let mask: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            buffer.writeInteger(UInt8(maskBit | UInt8(payload.count)))
        } else if payload.count <= 0xFFFF {
            buffer.writeInteger(UInt8(maskBit | 126))
            buffer.writeInteger(UInt16(payload.count))
        } else {
            buffer.writeInteger(UInt8(maskBit | 127))
            buffer.writeInteger(UInt64(payload.count))
        }
        if masked {
            buffer.writeBytes(mask)
            buffer.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        } else {
            buffer.writeBytes(payload)
        }
        return buffer
    }

    /// Reads the next unmasked server frame from `buffer`, copying its payload.
    ///
    /// - Parameter buffer: The received bytes; the frame is consumed only when it is whole.
    /// - Returns: The frame, or `nil` when `buffer` does not hold a whole one yet.
    public static func parseServerFrame(_ buffer: inout ByteBuffer) -> Frame? {
        let rsv = (buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) ?? 0) & 0x70
        guard var (opcode, payload) = self.readServerFrame(&buffer) else { return nil }
        var frame = Frame(opcode: opcode, payload: payload.readBytes(length: payload.readableBytes) ?? [])
        frame.rsv = rsv
        return frame
    }

    /// The next unmasked server frame, its payload a slice of `buffer` (no copy; the load tool
    /// reads 100,000 frames a second with it).
    public static func readServerFrame(_ buffer: inout ByteBuffer) -> (opcode: UInt8, payload: ByteBuffer)? {
        let start = buffer.readerIndex
        guard let first = buffer.readInteger(as: UInt8.self), let second = buffer.readInteger(as: UInt8.self) else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let l = buffer.readInteger(as: UInt16.self) else {
                buffer.moveReaderIndex(to: start)
                return nil
            }
            length = Int(l)
        } else if length == 127 {
            guard let l = buffer.readInteger(as: UInt64.self) else {
                buffer.moveReaderIndex(to: start)
                return nil
            }
            length = Int(l)
        }
        guard let payload = buffer.readSlice(length: length) else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        return (first & 0x0F, payload)
    }
}
