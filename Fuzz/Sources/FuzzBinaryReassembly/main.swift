import FuzzSupport
import NIOCore
import SocketIOProtocol

/// Binary reassembly: a BINARY_EVENT header whose attachment count and placeholders come from
/// the input, then attachments cut from the rest of it. Nothing may trap, and a completed
/// packet holds exactly the attachments that were sent.
runLibFuzzer { data, size in
    let bytes = Array(input(data, size))
    guard bytes.count >= 2 else { return 0 }
    let count = Int(bytes[0] % 12)
    let placeholders = Int(bytes[1] % 16)
    var header = "5\(count)-[\"upload\""
    for index in 0..<placeholders {
        let number = index < bytes.count - 2 ? Int(bytes[2 + index]) % 14 - 1 : index
        header += ",{\"_placeholder\":true,\"num\":\(number)}"
    }
    header += "]"
    var decoder = SocketIOPacketDecoder()
    guard (try? decoder.decode(text: header)) != nil || count == 0 else { return 0 }
    let rest = bytes.dropFirst(2 + placeholders)
    for chunk in rest.split(separator: 0xFF, maxSplits: 11, omittingEmptySubsequences: false) {
        _ = try? decoder.decode(binary: ByteBuffer(bytes: chunk))
    }
    return 0
}
