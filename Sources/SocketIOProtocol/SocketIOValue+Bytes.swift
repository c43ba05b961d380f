public import NIOCore

// Binary as `[UInt8]` wherever it goes in or out (issue 15), so that an application needs no
// SwiftNIO import: `ByteBuffer` (the ``SocketIOValue/binary(_:)`` case) stays the zero-copy
// form. `Codable` types already map `[UInt8]` to binary through ``SocketIOValueEncoder``.
extension SocketIOValue {
    /// Binary from bytes: a Socket.IO attachment (a `Buffer` in Node).
    ///
    /// ```swift
    /// try socket.emit("file", .bytes([0xCA, 0xFE]))
    /// ```
    public static func bytes(_ bytes: [UInt8]) -> SocketIOValue {
        .binary(ByteBuffer(bytes: bytes))
    }

    /// The bytes, if this is binary (a copy).
    public var bytesValue: [UInt8]? {
        if case .binary(let buffer) = self { return Array(buffer.readableBytesView) }
        return nil
    }
}
