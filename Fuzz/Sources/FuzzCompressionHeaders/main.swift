import EngineIOProtocol
import FuzzSupport

/// The two compression negotiations (issue 14): `Sec-WebSocket-Extensions` offers through
/// ``PerMessageDeflateNegotiation`` and `Accept-Encoding` through ``HTTPContentCoding``. Input:
/// header lines cut at `\n`; the first byte picks the server's policy. Nothing may trap, the
/// windows agreed stay in zlib's range, and the server's answer, offered back, agrees on the
/// same parameters (with the default policy).
runLibFuzzer { data, size in
    let bytes = Array(input(data, size))
    guard let mode = bytes.first else { return 0 }
    let lines = String(decoding: bytes.dropFirst(), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let policy = PerMessageDeflateNegotiation.Policy(
        serverNoContextTakeover: mode & 1 != 0,
        clientNoContextTakeover: mode & 2 != 0,
        serverMaxWindowBits: 8 + Int(mode >> 2) % 8,
        clientMaxWindowBits: 8 + Int(mode >> 5) % 8
    )
    if let accepted = PerMessageDeflateNegotiation.negotiate(offers: lines, policy: policy) {
        guard (9...15).contains(accepted.serverMaxWindowBits), (8...15).contains(accepted.clientMaxWindowBits) else {
            fatalError("window out of range: \(accepted)")
        }
    }
    if let accepted = PerMessageDeflateNegotiation.negotiate(offers: lines) {
        guard PerMessageDeflateNegotiation.negotiate(offers: [accepted.responseHeaderValue]) == accepted else {
            fatalError("the answer \(accepted.responseHeaderValue) does not negotiate to itself")
        }
    }
    _ = HTTPContentCoding.preferred(acceptEncoding: lines)
    return 0
}
