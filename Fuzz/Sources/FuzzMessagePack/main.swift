import FuzzSupport
import NIOCore
@_spi(Fuzzing) import SocketIOProtocol

/// The MessagePack decoder: nothing may trap, and what decodes re-encodes to bytes that decode
/// and re-encode to the same bytes (the encoding is canonical).
runLibFuzzer { data, size in
    let buffer = ByteBuffer(bytes: input(data, size))
    guard let value = try? MessagePackDecoder().decode(buffer) else { return 0 }
    let once = MessagePackEncoder.encode(value)
    guard let again = try? MessagePackDecoder().decode(once) else { fatalError("our own encoding does not decode") }
    guard MessagePackEncoder.encode(again) == once else { fatalError("re-encoding changed the bytes") }
    return 0
}
