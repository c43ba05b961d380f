/// What the server and one client agreed on for WebSocket `permessage-deflate` (RFC 7692).
///
/// The result of ``PerMessageDeflateNegotiation/negotiate(offers:policy:)``: a pure value, made
/// from the client's `Sec-WebSocket-Extensions` header and the server's policy, that says how to
/// set up the connection's deflate and inflate streams and what to answer in the `101`.
public struct PerMessageDeflateParameters: Sendable, Hashable {
    /// The server resets its deflate stream after every message (RFC 7692 §7.1.1.1).
    public var serverNoContextTakeover: Bool
    /// The client resets its deflate stream after every message, so the server may reset its
    /// inflate stream too (RFC 7692 §7.1.1.2).
    public var clientNoContextTakeover: Bool
    /// The base-two logarithm of the server's deflate window, 9...15 (RFC 7692 §7.1.2.1).
    public var serverMaxWindowBits: Int
    /// The base-two logarithm of the largest window the client deflates with, 8...15: the window
    /// the server's inflate stream needs (RFC 7692 §7.1.2.2).
    public var clientMaxWindowBits: Int
    /// Whether the answer names `server_max_window_bits` (the client asked for it, or the
    /// server's window is smaller than 15).
    public var announcesServerMaxWindowBits: Bool
    /// Whether the answer names `client_max_window_bits` (the client offered it and the server
    /// lowered it).
    public var announcesClientMaxWindowBits: Bool

    /// Parameters as given; ``PerMessageDeflateNegotiation`` makes them from an offer.
    public init(
        serverNoContextTakeover: Bool = false,
        clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int = 15,
        clientMaxWindowBits: Int = 15,
        announcesServerMaxWindowBits: Bool = false,
        announcesClientMaxWindowBits: Bool = false
    ) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
        self.announcesServerMaxWindowBits = announcesServerMaxWindowBits
        self.announcesClientMaxWindowBits = announcesClientMaxWindowBits
    }

    /// The `Sec-WebSocket-Extensions` value of the `101` answer, for example
    /// `permessage-deflate; server_no_context_takeover; client_max_window_bits=12`.
    public var responseHeaderValue: String {
        var value = "permessage-deflate"
        if self.serverNoContextTakeover { value += "; server_no_context_takeover" }
        if self.clientNoContextTakeover { value += "; client_no_context_takeover" }
        if self.announcesServerMaxWindowBits { value += "; server_max_window_bits=\(self.serverMaxWindowBits)" }
        if self.announcesClientMaxWindowBits { value += "; client_max_window_bits=\(self.clientMaxWindowBits)" }
        return value
    }
}

/// The server side of the `permessage-deflate` negotiation (RFC 7692 §5 and §7): offers in,
/// agreed parameters out.
///
/// Linear in the header's length and bounded: a header of more than
/// ``maxHeaderBytes`` bytes, or past ``maxOffers`` offers, negotiates nothing (the connection
/// goes on uncompressed, as it would with a client that offers nothing).
public enum PerMessageDeflateNegotiation {
    /// What the server accepts and asks for; the `perMessageDeflate` options of Node's `ws`.
    public struct Policy: Sendable, Hashable {
        /// Always reset the server's deflate stream after each message (`serverNoContextTakeover`).
        public var serverNoContextTakeover: Bool
        /// Ask the client to reset its deflate stream after each message (`clientNoContextTakeover`).
        public var clientNoContextTakeover: Bool
        /// The largest deflate window the server uses, 9...15 (`serverMaxWindowBits`).
        public var serverMaxWindowBits: Int
        /// The largest window the server asks the client to use when the client lets it,
        /// 8...15 (`clientMaxWindowBits`).
        public var clientMaxWindowBits: Int

        /// A policy; the defaults are `ws`'s: context takeover both ways, 15-bit windows.
        public init(
            serverNoContextTakeover: Bool = false,
            clientNoContextTakeover: Bool = false,
            serverMaxWindowBits: Int = 15,
            clientMaxWindowBits: Int = 15
        ) {
            self.serverNoContextTakeover = serverNoContextTakeover
            self.clientNoContextTakeover = clientNoContextTakeover
            self.serverMaxWindowBits = min(max(serverMaxWindowBits, 9), 15)
            self.clientMaxWindowBits = min(max(clientMaxWindowBits, 8), 15)
        }
    }

    /// Headers longer than this (all `Sec-WebSocket-Extensions` lines together) are not read.
    public static let maxHeaderBytes = 4096
    /// At most this many offers are looked at.
    public static let maxOffers = 16
    /// An offer with more parameters than this is declined.
    public static let maxParameters = 8

    /// The parameters of the first acceptable `permessage-deflate` offer in `offers` (every
    /// `Sec-WebSocket-Extensions` header line of the request, in order), or `nil` when there is
    /// none and the connection goes on uncompressed.
    ///
    /// An offer is declined, and the next one tried, when it repeats a parameter, names one
    /// RFC 7692 does not define, gives a value to `*_no_context_takeover`, or gives a window
    /// outside 8...15 (RFC 7692 §7). `server_max_window_bits=8` is declined too: zlib's raw
    /// deflate has no 256-byte window.
    public static func negotiate(offers: [String], policy: Policy = Policy()) -> PerMessageDeflateParameters? {
        var total = 0
        for line in offers {
            total += line.utf8.count
            if total > Self.maxHeaderBytes { return nil }
        }
        var seen = 0
        for line in offers {
            for offer in line.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
                seen += 1
                if seen > Self.maxOffers { return nil }
                if let accepted = Self.accept(offer, policy: policy) { return accepted }
            }
        }
        return nil
    }

    /// One offer, `permessage-deflate; param[=value]; ...`, against the policy.
    private static func accept(_ offer: Substring.UTF8View.SubSequence, policy: Policy) -> PerMessageDeflateParameters? {
        let parts = offer.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        guard let name = parts.first, Self.trimmed(name).elementsEqual("permessage-deflate".utf8) else { return nil }
        guard parts.count - 1 <= Self.maxParameters else { return nil }
        var serverNoTakeover = false
        var clientNoTakeover = false
        var serverBits: Int?
        var clientBits: Int??  // .some(nil): offered without a value
        for part in parts.dropFirst() {
            let (key, value) = Self.parameter(part)
            switch key {
            case .serverNoContextTakeover:
                guard !serverNoTakeover, value == nil else { return nil }
                serverNoTakeover = true
            case .clientNoContextTakeover:
                guard !clientNoTakeover, value == nil else { return nil }
                clientNoTakeover = true
            case .serverMaxWindowBits:
                guard serverBits == nil, let value, let bits = Self.windowBits(value), bits >= 9 else { return nil }
                serverBits = bits
            case .clientMaxWindowBits:
                guard clientBits == nil else { return nil }
                if let value {
                    guard let bits = Self.windowBits(value) else { return nil }
                    clientBits = .some(bits)
                } else {
                    clientBits = .some(nil)
                }
            case .unknown:
                return nil
            }
        }
        var accepted = PerMessageDeflateParameters()
        accepted.serverNoContextTakeover = serverNoTakeover || policy.serverNoContextTakeover
        accepted.clientNoContextTakeover = clientNoTakeover || policy.clientNoContextTakeover
        accepted.serverMaxWindowBits = min(serverBits ?? 15, policy.serverMaxWindowBits)
        accepted.announcesServerMaxWindowBits = serverBits != nil || accepted.serverMaxWindowBits < 15
        switch clientBits {
        case .none:
            // The client did not say it can use a smaller window: it deflates with up to 15
            // bits, and the server may not ask otherwise (§7.1.2.2).
            accepted.clientMaxWindowBits = 15
        case .some(let offered):
            let limit = offered ?? 15
            accepted.clientMaxWindowBits = min(limit, policy.clientMaxWindowBits)
            accepted.announcesClientMaxWindowBits = accepted.clientMaxWindowBits < 15 || offered != nil
        }
        return accepted
    }

    private enum Key {
        case serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits, unknown
    }

    /// `key[=value]` with optional whitespace around both, the value maybe a quoted string.
    private static func parameter(_ part: Substring.UTF8View.SubSequence) -> (Key, Substring.UTF8View.SubSequence?) {
        let pieces = part.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
        let name = Self.trimmed(pieces[0])
        let key: Key =
            if name.elementsEqual("server_no_context_takeover".utf8) {
                .serverNoContextTakeover
            } else if name.elementsEqual("client_no_context_takeover".utf8) {
                .clientNoContextTakeover
            } else if name.elementsEqual("server_max_window_bits".utf8) {
                .serverMaxWindowBits
            } else if name.elementsEqual("client_max_window_bits".utf8) {
                .clientMaxWindowBits
            } else {
                .unknown
            }
        guard pieces.count == 2 else { return (key, nil) }
        var value = Self.trimmed(pieces[1])
        // §7.1.2.1: a quoted value must be a token once unquoted.
        if value.count >= 2, value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\"") {
            value = value.dropFirst().dropLast()
        }
        return (key, value)
    }

    /// A window size, `8`...`15` without a leading zero (RFC 7692 §7.1.2.1).
    private static func windowBits(_ value: Substring.UTF8View.SubSequence) -> Int? {
        guard (1...2).contains(value.count), value.first != UInt8(ascii: "0") else { return nil }
        var result = 0
        for byte in value {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            result = result * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return (8...15).contains(result) ? result : nil
    }

    static func trimmed(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        var bytes = bytes
        while let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes = bytes.dropLast() }
        return bytes
    }
}
