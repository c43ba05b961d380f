public import NIOCore

/// What the libFuzzer targets in `Fuzz/` run of the Redis Streams adapter's readers: the
/// decoding of stream replies, stream entries, pub/sub messages, sessions and offsets, each as
/// the adapter does it on bytes another server (or anyone with access to Redis) wrote.
///
/// SPI `Fuzzing`, not API: the targets (a package of their own) link it with
/// `@_spi(Fuzzing) import`, which `package` access cannot reach; it may change in any release.
@_spi(Fuzzing) public enum StreamsFuzzing {
    /// Reads `reply` as an `XRANGE` and as an `XREAD` reply would be read. Returns how many
    /// entries it holds, or `nil` when it is not a stream reply.
    public static func entries(ofReply reply: RESPValue) -> Int? {
        let range = try? RedisStreamCommand.entries(ofRange: reply)
        let read = try? RedisStreamCommand.entries(ofRead: reply, key: "k")
        for entry in (range?.entries ?? []) + (read?.entries ?? []) { _ = Self.decodeEntry(entry.fields) }
        return range?.entries.count ?? read?.entries.count
    }

    /// Decodes a stream entry's fields as the stream reader does, and a broadcast's data as a
    /// restore does. Returns whether it is a message.
    public static func decodeEntry(_ fields: [String: ByteBuffer]) -> Bool {
        guard let message = try? StreamsWire.message(fromStream: fields) else { return false }
        if message.knownType == .broadcast, let (_, options, _) = try? StreamsWire.broadcast(from: message.data, namespace: "/") {
            _ = StreamsWire.reaches(options, sessionRooms: ["a", "b"])
        }
        return true
    }

    /// Decodes a pub/sub payload as a namespace's channels do. Returns whether it is a message.
    public static func decodePubSub(_ payload: ByteBuffer) -> Bool {
        (try? StreamsWire.message(fromPubSub: payload)) != nil
    }

    /// Decodes a persisted session (base64 MessagePack): `nil` when it is not one, else whether
    /// storing it again gives back the same session.
    public static func decodeSession(_ bytes: ByteBuffer) -> Bool? {
        guard let session = try? StreamsWire.session(from: bytes) else { return nil }
        return (try? StreamsWire.session(from: StreamsWire.sessionValue(session))) == session
    }

    /// Whether an offset the adapter accepts prints as text that reads back as the same id,
    /// and its successor comes after it. `true` for text it refuses.
    public static func offsetRoundTrips(_ text: String) -> Bool {
        guard let id = StreamID(text) else { return true }
        guard StreamID(id.description) == id else { return false }
        return id.next.map { $0 > id } ?? true
    }
}
