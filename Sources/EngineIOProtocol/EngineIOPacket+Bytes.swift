public import NIOCore

// Binary messages as `[UInt8]`, so that an application on the engine needs no SwiftNIO import
// of its own (issue 15): `ByteBuffer` stays the zero-copy form for those who have it.
extension EngineIOPacket {
    /// A binary message packet.
    ///
    /// - Parameter bytes: The message's bytes.
    public static func message(bytes: [UInt8]) -> EngineIOPacket {
        EngineIOPacket(type: .message, payload: .binary(ByteBuffer(bytes: bytes)))
    }

    /// The binary payload as bytes, if this is a binary message (a copy).
    public var bytes: [UInt8]? {
        if case .binary(let buffer) = self.payload { return Array(buffer.readableBytesView) }
        return nil
    }
}

extension EngineIOPacket.Payload {
    /// The text of a text payload, if it is one.
    public var text: String? {
        if case .text(let buffer) = self { return String(buffer: buffer) }
        return nil
    }

    /// The bytes of a binary payload, if it is one (a copy).
    public var bytes: [UInt8]? {
        if case .binary(let buffer) = self { return Array(buffer.readableBytesView) }
        return nil
    }
}
