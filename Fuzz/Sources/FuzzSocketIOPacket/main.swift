import FuzzSupport
import NIOCore
import SocketIOProtocol

/// The Socket.IO decoder (and the JSON parser under it) on a stream of messages: the input is
/// split at 0xFF bytes; a part that starts with 0xFE is a binary message, any other a text
/// message, as a client would send them on one connection. Nothing may trap.
runLibFuzzer { data, size in
    let bytes = input(data, size)
    _ = try? JSONParser.parse(bytes)
    var decoder = SocketIOPacketDecoder()
    for part in bytes.split(separator: 0xFF, omittingEmptySubsequences: false) {
        if part.first == 0xFE {
            _ = try? decoder.decode(binary: ByteBuffer(bytes: part.dropFirst()))
        } else {
            do {
                _ = try decoder.decode(text: ByteBuffer(bytes: part))
            } catch {
                decoder.reset()
            }
        }
    }
    return 0
}
