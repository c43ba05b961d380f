import FuzzSupport
import NIOCore
import SocketIOProtocol

/// The Socket.IO decoder (and the JSON parser under it) on a stream of messages: the input is
/// split at 0xFF bytes; a part that starts with 0xFE is a binary message, any other a text
/// message, as a client would send them on one connection. Nothing may trap.
runLibFuzzer { data, size in
    let bytes = input(data, size)
    // The JSON parser (package API) through the packet around it: namespace and ack id
    // first, so that the whole input is the event's JSON (but for leading digits, which
    // extend the ack id).
    var json = SocketIOPacketDecoder()
    _ = try? json.decode(text: ByteBuffer(bytes: Array("2/fuzz,0".utf8) + bytes))
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
