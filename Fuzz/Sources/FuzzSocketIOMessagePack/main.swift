import EngineIOProtocol
import FuzzSupport
import NIOCore
import SocketIOProtocol

/// The Socket.IO packet decoder on the MessagePack wire (socket.io-msgpack-parser's), as a
/// server with `parser: .messagePack` runs it on each binary message: nothing may trap, and a
/// packet that decodes re-encodes to bytes that decode and re-encode to the same bytes (what
/// the server sends is what it would accept).
runLibFuzzer { data, size in
    var decoder = SocketIOPacketDecoder(parser: .messagePack)
    guard let packet = try? decoder.decode(binary: ByteBuffer(bytes: input(data, size))) else { return 0 }
    guard case .binary(let once)? = SocketIOParser.messagePack.encode(packet).first else { fatalError("not one binary frame") }
    guard let again = try? decoder.decode(binary: once) else { fatalError("our own encoding does not decode: \(packet)") }
    guard case .binary(let twice)? = SocketIOParser.messagePack.encode(again).first, twice == once else {
        fatalError("re-encoding changed the bytes: \(packet)")
    }
    return 0
}
