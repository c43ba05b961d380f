public import NIOCore

/// The HTTP long-polling payload of Engine.IO v4: packets joined by the record separator 0x1E,
/// a binary packet written as `b` followed by its base64 (Engine.IO protocol v4, "HTTP long-polling").
public enum EngineIOPollingPayload {
    /// The record separator between packets.
    public static let separator: UInt8 = 0x1E

    /// Encodes frames into one payload.
    public static func encode<Frames: Sequence<EngineIOFrame>>(_ frames: Frames) -> ByteBuffer {
        var out = ByteBuffer()
        encode(frames, into: &out)
        return out
    }

    /// Appends the payload of `frames` to `out`.
    public static func encode<Frames: Sequence<EngineIOFrame>>(_ frames: Frames, into out: inout ByteBuffer) {
        var first = true
        for frame in frames {
            if !first { out.writeInteger(separator) }
            first = false
            switch frame {
            case .text(let bytes):
                out.writeImmutableBuffer(bytes)
            case .binary(let bytes):
                out.writeInteger(UInt8(ascii: "b"))
                Base64.encode(bytes, into: &out)
            }
        }
    }

    /// Splits a payload into frames, decoding base64 binary packets.
    ///
    /// - Throws: ``EngineIOProtocolError`` for an empty element or bad base64. Every element must
    ///   be a whole packet; the caller bounds the body size (maxPayload) before calling.
    public static func decode(_ payload: ByteBuffer) throws(EngineIOProtocolError) -> [EngineIOFrame] {
        var frames: [EngineIOFrame] = []
        var rest = payload
        if rest.readableBytes == 0 { throw EngineIOProtocolError(.emptyPacket) }
        while true {
            let view = rest.readableBytesView
            let end = view.firstIndex(of: separator)
            let length = (end ?? view.endIndex) - view.startIndex
            let element = rest.readSlice(length: length)!
            if element.readableBytes == 0 { throw EngineIOProtocolError(.emptyPacket) }
            if element.readableBytes > 0, element.getInteger(at: element.readerIndex, as: UInt8.self) == UInt8(ascii: "b") {
                let decoded = element.withUnsafeReadableBytes { bytes in
                    Result { () throws(EngineIOProtocolError) in
                        try Base64.decode(UnsafeRawBufferPointer(rebasing: bytes.dropFirst()))
                    }
                }
                frames.append(.binary(try decoded.get()))
            } else {
                frames.append(.text(element))
            }
            if end == nil { break }
            rest.moveReaderIndex(forwardBy: 1)
        }
        return frames
    }
}
