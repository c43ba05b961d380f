import EngineIOProtocol
import NIOCore
import SocketIOProtocol
import TestSupport

/// The Socket.IO wire the tool's clients speak (`--parser`): JSON text packets, or
/// socket.io-msgpack-parser's one MessagePack map per binary message (issue 13). The frames it
/// sends are built here, masked as a client must; what it reads back is scanned without
/// building values, so the tool's own cost stays small next to the server's.
enum BenchWire: String, Sendable {
    case json
    case msgpack

    /// The CONNECT to `/`: `40`, or `{type: 0, nsp: "/"}`.
    var connectFrame: ByteBuffer {
        switch self {
        case .json: return WebSocketWire.clientFrame(opcode: 0x1, payload: Array("40".utf8))
        case .msgpack: return Self.binaryFrame(SocketIOPacket(type: .connect))
        }
    }

    /// An `echo` of `id` with ack id `id`: `42<id>["echo",<id>]`, or its MessagePack map.
    func echoFrame(id: Int) -> ByteBuffer {
        switch self {
        case .json: return WebSocketWire.clientFrame(opcode: 0x1, payload: Array("42\(id)[\"echo\",\(id)]".utf8))
        case .msgpack:
            // {id, type: 2, nsp: "/", data: ["echo", id]}, written by hand (ids as uint 32): the
            // tool's cost per echo stays that of the JSON text, so the closed loop measures the
            // server.
            let id32 = UInt32(truncatingIfNeeded: id)
            let idBytes: [UInt8] = [
                0xce, UInt8(id32 >> 24), UInt8(truncatingIfNeeded: id32 >> 16), UInt8(truncatingIfNeeded: id32 >> 8), UInt8(truncatingIfNeeded: id32),
            ]
            return WebSocketWire.clientFrame(opcode: 0x2, payload: Self.echoHead + idBytes + Self.echoMiddle + idBytes)
        }
    }

    private static let echoHead: [UInt8] = [0x84, 0xa2] + Array("id".utf8)
    private static let echoMiddle: [UInt8] =
        [0xa4] + Array("type".utf8) + [0x02, 0xa3] + Array("nsp".utf8) + [0xa1, 0x2f, 0xa4] + Array("data".utf8) + [0x92, 0xa4] + Array("echo".utf8)

    /// A `broadcast` carrying `time`.
    func broadcastFrame(time: UInt64) -> ByteBuffer {
        switch self {
        case .json: return WebSocketWire.clientFrame(opcode: 0x1, payload: Array("42[\"broadcast\",\(time)]".utf8))
        case .msgpack: return Self.binaryFrame(.event("broadcast", [.int(Int(time))]))
        }
    }

    private static func binaryFrame(_ packet: SocketIOPacket) -> ByteBuffer {
        guard case .binary(let bytes)? = SocketIOParser.messagePack.encode(packet).first else { return ByteBuffer() }
        return WebSocketWire.clientFrame(opcode: 0x2, payload: Array(bytes.readableBytesView))
    }
}

/// The frames of one binary `echo` with an ack: the event carries `payload` bytes, which the
/// server's ack sends back. JSON sends them as an attachment (`451-<id>["echo",{placeholder}]`,
/// then a binary frame of the bytes); MessagePack inline as `bin` in one binary frame.
///
/// Only the ack id changes between echoes, so the bytes are masked once: JSON's attachment frame
/// is the same every time; MessagePack's map puts the id first in a fixed 5-byte form (uint 32),
/// so only the first bytes of the frame are masked per echo.
struct BinaryEchoFrames {
    let wire: BenchWire
    let payload: Int
    private let attachment: ByteBuffer
    /// The MessagePack map after its id, masked as it sits in every frame (at payload offset 9).
    private let messagePackTail: [UInt8]
    private static let mask: [UInt8] = [0x11, 0x22, 0x33, 0x44]

    init(wire: BenchWire, payload: Int) {
        self.wire = wire
        self.payload = payload
        let bytes = (0..<payload).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        self.attachment = WebSocketWire.clientFrame(opcode: 0x2, payload: bytes)
        // {id: <uint32>, type: 2, nsp: "/", data: ["echo", bin]}: the tail after the id.
        var tail = ByteBuffer()
        MessagePackWriter.write(string: "type", into: &tail)
        MessagePackWriter.write(integer: 2, into: &tail)
        MessagePackWriter.write(string: "nsp", into: &tail)
        MessagePackWriter.write(string: "/", into: &tail)
        MessagePackWriter.write(string: "data", into: &tail)
        MessagePackWriter.writeArrayHeader(2, into: &tail)
        MessagePackWriter.write(string: "echo", into: &tail)
        MessagePackWriter.write(binary: ByteBuffer(bytes: bytes), into: &tail)
        self.messagePackTail = tail.readableBytesView.enumerated().map { $0.element ^ Self.mask[($0.offset + 9) % 4] }
    }

    /// The frames of echo `id`, to write in order.
    func frames(id: Int) -> [ByteBuffer] {
        switch self.wire {
        case .json:
            let header = "451-\(id)[\"echo\",{\"_placeholder\":true,\"num\":0}]"
            return [WebSocketWire.clientFrame(opcode: 0x1, payload: Array(header.utf8)), self.attachment]
        case .msgpack:
            // 84 a2 'id' ce <id>: 9 bytes, then the tail; masked from offset 0 of the payload.
            var head: [UInt8] = [0x84, 0xa2, UInt8(ascii: "i"), UInt8(ascii: "d"), 0xce]
            let id32 = UInt32(truncatingIfNeeded: id)
            head += [UInt8(id32 >> 24), UInt8(truncatingIfNeeded: id32 >> 16), UInt8(truncatingIfNeeded: id32 >> 8), UInt8(truncatingIfNeeded: id32)]
            return [self.maskedFrame(head: head)]
        }
    }

    /// A masked binary frame of `head` (9 bytes) and the tail, masked already.
    private func maskedFrame(head: [UInt8]) -> ByteBuffer {
        precondition(head.count == 9)
        let length = head.count + self.messagePackTail.count
        var frame = ByteBuffer()
        frame.reserveCapacity(length + 14)
        frame.writeInteger(UInt8(0x82))
        if length < 126 {
            frame.writeInteger(UInt8(0x80 | UInt8(length)))
        } else if length <= 0xFFFF {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(length))
        } else {
            frame.writeInteger(UInt8(0x80 | 127))
            frame.writeInteger(UInt64(length))
        }
        frame.writeBytes(Self.mask)
        for (offset, byte) in head.enumerated() { frame.writeInteger(byte ^ Self.mask[offset % 4]) }
        frame.writeBytes(self.messagePackTail)
        return frame
    }
}

/// What the tool needs of a MessagePack packet from the server, read in place: its type, its
/// ack id, the first argument after an event's name (a `bcast` time), and the size of the first
/// data element when it is `bin` (the echoed bytes). Either key order works: our server writes
/// `{type, data, id, nsp}`, Node's ACKs `{id, type, data, nsp}`.
struct ScannedPacket {
    var type = -1
    var id: Int?
    var eventName: [UInt8] = []
    var firstArgument: UInt64?
    var firstBinaryLength: Int?

    /// `nil` when the bytes are not a packet map the scanner understands.
    init?(_ bytes: ByteBufferView) {
        var scanner = MessagePackScanner(bytes: bytes)
        guard let entries = scanner.mapHeader() else { return nil }
        for _ in 0..<entries {
            guard let key = scanner.shortString() else { return nil }
            switch key.count {
            case 4 where key.elementsEqual("type".utf8):
                guard let type = scanner.integer() else { return nil }
                self.type = Int(type)
            case 2 where key.elementsEqual("id".utf8):
                guard let id = scanner.integer() else { return nil }
                self.id = Int(id)
            case 4 where key.elementsEqual("data".utf8):
                // An object (CONNECT, CONNECT_ERROR) is skipped; an array is read.
                guard let count = scanner.arrayHeader() else {
                    guard scanner.skip() else { return nil }
                    continue
                }
                for index in 0..<count {
                    if index == 0, let name = scanner.shortString() {
                        self.eventName = Array(name)
                        continue
                    }
                    if let length = scanner.binaryLength() {
                        if index == 0 { self.firstBinaryLength = length }
                        continue
                    }
                    if index == 1, let argument = scanner.integer() {
                        self.firstArgument = argument
                        continue
                    }
                    guard scanner.skip() else { return nil }
                }
            default:
                guard scanner.skip() else { return nil }
            }
        }
    }
}

/// A cursor over MessagePack bytes that reads headers and skips values without decoding them.
struct MessagePackScanner {
    let bytes: ByteBufferView
    var index: ByteBufferView.Index

    init(bytes: ByteBufferView) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    private var current: UInt8? { self.index < self.bytes.endIndex ? self.bytes[self.index] : nil }

    private mutating func big(_ count: Int) -> UInt64? {
        guard self.bytes.endIndex - self.index >= count else { return nil }
        var value: UInt64 = 0
        for _ in 0..<count {
            value = value << 8 | UInt64(self.bytes[self.index])
            self.index += 1
        }
        return value
    }

    mutating func mapHeader() -> Int? {
        guard let byte = self.current else { return nil }
        switch byte {
        case 0x80...0x8f:
            self.index += 1
            return Int(byte & 0x0f)
        case 0xde:
            self.index += 1
            return self.big(2).map(Int.init)
        default: return nil
        }
    }

    mutating func arrayHeader() -> Int? {
        guard let byte = self.current else { return nil }
        switch byte {
        case 0x90...0x9f:
            self.index += 1
            return Int(byte & 0x0f)
        case 0xdc:
            self.index += 1
            return self.big(2).map(Int.init)
        default: return nil
        }
    }

    /// A fixstr or str 8 (keys and event names), as a slice; `nil` (nothing read) otherwise.
    mutating func shortString() -> ByteBufferView.SubSequence? {
        guard let byte = self.current else { return nil }
        let length: Int
        switch byte {
        case 0xa0...0xbf:
            length = Int(byte & 0x1f)
            self.index += 1
        case 0xd9:
            guard self.index + 1 < self.bytes.endIndex else { return nil }
            length = Int(self.bytes[self.index + 1])
            self.index += 2
        default: return nil
        }
        guard self.bytes.endIndex - self.index >= length else { return nil }
        defer { self.index += length }
        return self.bytes[self.index..<self.index + length]
    }

    /// A non-negative integer; `nil` (nothing read) otherwise.
    mutating func integer() -> UInt64? {
        guard let byte = self.current else { return nil }
        switch byte {
        case 0x00...0x7f:
            self.index += 1
            return UInt64(byte)
        case 0xcc, 0xcd, 0xce, 0xcf:
            self.index += 1
            return self.big(1 << Int(byte - 0xcc))
        default: return nil
        }
    }

    /// The length of a `bin`, skipped; `nil` (nothing read) for anything else.
    mutating func binaryLength() -> Int? {
        guard let byte = self.current, (0xc4...0xc6).contains(byte) else { return nil }
        self.index += 1
        guard let length = self.big(1 << Int(byte - 0xc4)).map(Int.init), self.bytes.endIndex - self.index >= length else { return nil }
        self.index += length
        return length
    }

    /// Skips one value of any type.
    mutating func skip() -> Bool {
        guard let byte = self.current else { return false }
        self.index += 1
        var skipBytes = 0
        var children = 0
        switch byte {
        case 0x00...0x7f, 0xc0, 0xc2, 0xc3, 0xe0...0xff: break
        case 0x80...0x8f: children = 2 * Int(byte & 0x0f)
        case 0x90...0x9f: children = Int(byte & 0x0f)
        case 0xa0...0xbf: skipBytes = Int(byte & 0x1f)
        case 0xc4, 0xd9: skipBytes = Int(self.big(1) ?? 0)
        case 0xc5, 0xda: skipBytes = Int(self.big(2) ?? 0)
        case 0xc6, 0xdb: skipBytes = Int(self.big(4) ?? 0)
        case 0xc7: skipBytes = Int(self.big(1) ?? 0) + 1
        case 0xc8: skipBytes = Int(self.big(2) ?? 0) + 1
        case 0xc9: skipBytes = Int(self.big(4) ?? 0) + 1
        case 0xca: skipBytes = 4
        case 0xcb: skipBytes = 8
        case 0xcc, 0xd0: skipBytes = 1
        case 0xcd, 0xd1: skipBytes = 2
        case 0xce, 0xd2: skipBytes = 4
        case 0xcf, 0xd3: skipBytes = 8
        case 0xd4: skipBytes = 2
        case 0xd5: skipBytes = 3
        case 0xd6: skipBytes = 5
        case 0xd7: skipBytes = 9
        case 0xd8: skipBytes = 17
        case 0xdc: children = Int(self.big(2) ?? 0)
        case 0xdd: children = Int(self.big(4) ?? 0)
        case 0xde: children = 2 * Int(self.big(2) ?? 0)
        case 0xdf: children = 2 * Int(self.big(4) ?? 0)
        default: return false
        }
        guard self.bytes.endIndex - self.index >= skipBytes else { return false }
        self.index += skipBytes
        for _ in 0..<children where !self.skip() { return false }
        return true
    }
}
