import EngineIOProtocol
import FuzzSupport
import NIOCore

/// The Engine.IO polling-payload decoder, the packet decoder on each frame, base64 and UTF-8
/// validation: nothing may trap, and the UTF-8 check must agree with the standard library's.
runLibFuzzer { data, size in
    let bytes = input(data, size)
    let buffer = ByteBuffer(bytes: bytes)
    if let frames = try? EngineIOPollingPayload.decode(buffer) {
        for frame in frames { _ = try? EngineIOPacket(frame: frame) }
    }
    _ = try? EngineIOPacket(frame: .text(buffer))
    _ = try? EngineIOPacket(frame: .binary(buffer))
    // Base64 (package API) through the packet that carries it: `b` and the encoded bytes.
    _ = try? EngineIOPacket(frame: .text(ByteBuffer(bytes: [UInt8(ascii: "b")] + bytes)))
    let valid = UTF8Validation.isValid(bytes)
    guard valid == (String(validating: bytes, as: UTF8.self) != nil) else {
        fatalError("UTF8Validation disagrees with the standard library")
    }
    return 0
}
