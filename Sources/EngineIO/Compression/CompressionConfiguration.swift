public import EngineIOProtocol

/// Compression of polling responses, Node's `httpCompression` option.
///
/// A polling response of at least ``threshold`` bytes goes out with `Content-Encoding: gzip` or
/// `deflate` when the request's `Accept-Encoding` allows one (``/EngineIOProtocol/HTTPContentCoding``),
/// and with `Vary: Accept-Encoding`; a client that asks for neither gets the bytes as they are.
/// As in Node, the packets of a response are compressed when at least one of them was sent
/// with the `compress` flag (the default).
///
/// Compression runs on the event loop of the connection, inline: a response is bounded by
/// ``EngineIOConfiguration/maxBufferedBytes`` and ``EngineIOConfiguration/maxPacketsPerPoll``,
/// and zlib at the default level takes tens of milliseconds for a megabyte of JSON, so a 1 MB
/// poll holds its loop for that long; a lower ``level`` is faster.
public struct HTTPCompressionConfiguration: Sendable, Hashable {
    /// The smallest response, in bytes, that is compressed. Node: 1024.
    public var threshold: Int
    /// The zlib level, 1 (fastest) to 9 (smallest), or -1 for zlib's default (6), as Node.
    public var level: Int

    /// Creates a setting; the defaults are Node's.
    ///
    /// - Parameters:
    ///   - threshold: The smallest response that is compressed, in bytes.
    ///   - level: The zlib level (-1, or 1...9).
    public init(threshold: Int = 1024, level: Int = -1) {
        self.threshold = max(0, threshold)
        self.level = (1...9).contains(level) ? level : -1
    }
}

/// WebSocket `permessage-deflate` (RFC 7692), Node's `perMessageDeflate` option.
///
/// When a client offers the extension (browsers always do), the `101` accepts it with the
/// parameters ``/EngineIOProtocol/PerMessageDeflateNegotiation`` agrees on. Then messages of
/// at least ``threshold`` bytes that were sent with the `compress` flag (the default; Socket.IO's
/// `compress(false)` clears it) go out deflated, and the client's deflated messages are
/// inflated, up to ``EngineIOConfiguration/maxPayload`` bytes: a message that inflates to more
/// closes the connection with 1009, as Node's `ws` does.
///
/// Memory: each connection that uses the extension holds a deflate stream of
/// `(1 << (serverMaxWindowBits + 2)) + (1 << (memoryLevel + 9))` bytes (256 KiB with the
/// defaults) and an inflate stream of about `1 << clientMaxWindowBits` bytes plus 7 KiB, made
/// on the first message that needs them. Lower ``memoryLevel`` and the window bits for many
/// connections: `serverMaxWindowBits: 10, memoryLevel: 5` take `(1 << 12) + (1 << 14)` = 20 KiB.
/// A message is compressed for each connection on its own, so a broadcast costs one deflate per
/// recipient that negotiated the extension.
public struct PerMessageDeflateConfiguration: Sendable, Hashable {
    /// The smallest message, in bytes, that is compressed. Node: 1024.
    public var threshold: Int
    /// The zlib level, 1 (fastest) to 9 (smallest), or -1 for zlib's default (6).
    public var level: Int
    /// zlib's `memLevel`, 1...9: the deflate state takes `1 << (memoryLevel + 9)` bytes. zlib: 8.
    public var memoryLevel: Int
    /// What the server accepts and asks for in the negotiation: context takeover and window sizes.
    public var policy: PerMessageDeflateNegotiation.Policy

    /// Creates a setting; the defaults are Node's (`perMessageDeflate: true` in engine.io gives
    /// a 1024-byte threshold and `ws`'s defaults: context takeover, 15-bit windows).
    ///
    /// - Parameters:
    ///   - threshold: The smallest message that is compressed, in bytes.
    ///   - level: The zlib level (-1, or 1...9).
    ///   - memoryLevel: zlib's `memLevel`, clamped to 1...9.
    ///   - serverNoContextTakeover: Reset the server's deflate stream after every message.
    ///   - clientNoContextTakeover: Ask clients to reset theirs after every message.
    ///   - serverMaxWindowBits: The server's deflate window, clamped to 9...15.
    ///   - clientMaxWindowBits: The largest window asked of clients, clamped to 8...15.
    public init(
        threshold: Int = 1024,
        level: Int = -1,
        memoryLevel: Int = 8,
        serverNoContextTakeover: Bool = false,
        clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int = 15,
        clientMaxWindowBits: Int = 15
    ) {
        self.threshold = max(0, threshold)
        self.level = (1...9).contains(level) ? level : -1
        self.memoryLevel = min(max(memoryLevel, 1), 9)
        self.policy = PerMessageDeflateNegotiation.Policy(
            serverNoContextTakeover: serverNoContextTakeover,
            clientNoContextTakeover: clientNoContextTakeover,
            serverMaxWindowBits: serverMaxWindowBits,
            clientMaxWindowBits: clientMaxWindowBits
        )
    }

    /// The bytes one connection's deflate stream takes with these settings (zlib's formula).
    public var deflateMemory: Int {
        (1 << (self.policy.serverMaxWindowBits + 2)) + (1 << (self.memoryLevel + 9))
    }
}
