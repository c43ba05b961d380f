package import NIOCore

/// The id of a Redis stream entry, `<milliseconds>-<sequence>`: what `XADD` returns, and the
/// offset a client keeps for connection state recovery with the Redis Streams adapter.
package struct StreamID: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var milliseconds: UInt64
    package var sequence: UInt64

    /// The smallest id, before any entry.
    package static let zero = StreamID(milliseconds: 0, sequence: 0)

    package init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Parses `<digits>-<digits>`, the form Node's streams adapter accepts (`/^[0-9]+-[0-9]+$/`);
    /// `nil` for anything else, and for numbers past 64 bits (which Redis refuses too).
    package init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard utf8.count <= 41, let dash = utf8.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        guard let milliseconds = Self.number(utf8[..<dash]), let sequence = Self.number(utf8[utf8.index(after: dash)...]) else { return nil }
        self.init(milliseconds: milliseconds, sequence: sequence)
    }

    private static func number(_ digits: some Collection<UInt8>) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// The smallest id after this one: the start of an exclusive range on any Redis version
    /// (Node's `nextOffset`; `(id` needs Redis 6.2). `nil` after the largest id.
    package var next: StreamID? {
        if self.sequence < .max { return StreamID(milliseconds: self.milliseconds, sequence: self.sequence + 1) }
        if self.milliseconds < .max { return StreamID(milliseconds: self.milliseconds + 1, sequence: 0) }
        return nil
    }

    package var description: String { "\(self.milliseconds)-\(self.sequence)" }

    package static func < (lhs: StreamID, rhs: StreamID) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}

/// One entry of a stream, as `XREAD` and `XRANGE` return it.
package struct StreamEntry: Sendable, Hashable {
    package var id: StreamID
    /// Field → value; a repeated field keeps its last value (as node-redis builds its object).
    package var fields: [String: ByteBuffer]
    /// Whether a part of the entry went past the reading connection's keep limits and was
    /// dropped (``RESPValue/skipped``): ``fields`` is then incomplete.
    package var skipped: Bool

    package init(id: StreamID, fields: [String: ByteBuffer], skipped: Bool = false) {
        self.id = id
        self.fields = fields
        self.skipped = skipped
    }
}

/// The entries of one `XREAD` or `XRANGE` reply, in order.
package struct StreamBatch: Sendable, Hashable {
    package var entries: [StreamEntry]
    /// Whether the reply went on past ``entries`` with entries whose ids were dropped by the
    /// keep limits: read again after the last entry to get them.
    package var truncated: Bool

    package init(entries: [StreamEntry], truncated: Bool = false) {
        self.entries = entries
        self.truncated = truncated
    }
}

/// The stream commands the Redis Streams adapter sends, and what their replies mean. Pure: no
/// I/O, so the reply shapes are tested from wire values, hostile ones included.
package enum RedisStreamCommand {
    /// `XADD key MAXLEN ~ maxLength * field value …`: appends an entry, trimming the stream to
    /// about `maxLength` entries (Node's streams adapter: `maxLen`, almost exact trimming).
    package static func add(_ key: String, maxLength: Int, fields: [(String, RESPArgument)]) -> [RESPArgument] {
        var arguments: [RESPArgument] = ["XADD", .string(key), "MAXLEN", "~", .string(String(maxLength)), "*"]
        arguments.reserveCapacity(arguments.count + fields.count * 2)
        for (name, value) in fields {
            arguments.append(.string(name))
            arguments.append(value)
        }
        return arguments
    }

    /// `XREAD COUNT count BLOCK ms STREAMS key id`: waits up to `block` for entries after `id`.
    package static func read(_ key: String, after id: StreamID, count: Int, block: Duration) -> [RESPArgument] {
        let milliseconds = max(0, block.components.seconds * 1000 + block.components.attoseconds / 1_000_000_000_000_000)
        return ["XREAD", "COUNT", .string(String(count)), "BLOCK", .string(String(milliseconds)), "STREAMS", .string(key), .string(id.description)]
    }

    /// `XRANGE key start end [COUNT count]`; `start` and `end` are ids, `-` or `+`.
    package static func range(_ key: String, from start: String, to end: String, count: Int? = nil) -> [RESPArgument] {
        var arguments: [RESPArgument] = ["XRANGE", .string(key), .string(start), .string(end)]
        if let count { arguments += ["COUNT", .string(String(count))] }
        return arguments
    }

    /// `XREVRANGE key + - COUNT 1`: the last entry, to learn where the stream ends now.
    package static func last(_ key: String) -> [RESPArgument] {
        ["XREVRANGE", .string(key), "+", "-", "COUNT", "1"]
    }

    /// `SET key value PX ms`: a value that expires (a persisted session).
    package static func set(_ key: String, _ value: RESPArgument, expiresIn duration: Duration) -> [RESPArgument] {
        let milliseconds = max(1, duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        return ["SET", .string(key), value, "PX", .string(String(milliseconds))]
    }

    /// `GETDEL key`: takes a value once (Redis 6.2).
    package static func getDelete(_ key: String) -> [RESPArgument] {
        ["GETDEL", .string(key)]
    }

    // MARK: - Replies

    /// The id `XADD` answered.
    package static func addedID(_ reply: RESPValue) throws(RESPError) -> StreamID {
        guard let text = reply.string, let id = StreamID(text) else { throw .protocolError("unexpected XADD reply") }
        return id
    }

    /// The entries of an `XRANGE` or `XREVRANGE` reply.
    package static func entries(ofRange reply: RESPValue) throws(RESPError) -> StreamBatch {
        switch reply {
        case .array(let elements?): return try Self.batch(elements)
        case .array(nil): return StreamBatch(entries: [])
        case .skipped: return StreamBatch(entries: [], truncated: true)
        default: throw .protocolError("unexpected XRANGE reply")
        }
    }

    /// The entries of stream `key` in an `XREAD` reply: `[[key, entries]]`, or a null array
    /// when `BLOCK` ran out.
    package static func entries(ofRead reply: RESPValue, key: String) throws(RESPError) -> StreamBatch {
        switch reply {
        case .array(nil): return StreamBatch(entries: [])
        case .array(let streams?):
            for stream in streams {
                guard case .array(let pair?) = stream, pair.count == 2 else { throw .protocolError("unexpected XREAD reply") }
                guard pair[0].string == key else { continue }
                return try Self.entries(ofRange: pair[1])
            }
            return StreamBatch(entries: [])
        default: throw .protocolError("unexpected XREAD reply")
        }
    }

    /// Entries in order, up to the first one whose id was dropped by the keep limits.
    private static func batch(_ elements: [RESPValue]) throws(RESPError) -> StreamBatch {
        var entries: [StreamEntry] = []
        entries.reserveCapacity(elements.count)
        for element in elements {
            guard let entry = try Self.entry(element) else { return StreamBatch(entries: entries, truncated: true) }
            entries.append(entry)
        }
        return StreamBatch(entries: entries)
    }

    /// `[id, [field, value, …]]`; `nil` when the id itself was dropped.
    private static func entry(_ value: RESPValue) throws(RESPError) -> StreamEntry? {
        guard case .array(let parts?) = value else {
            if value == .skipped { return nil }
            throw .protocolError("a stream entry is not an array")
        }
        guard parts.count == 2 else { throw .protocolError("a stream entry has \(parts.count) parts") }
        if parts[0] == .skipped { return nil }
        guard let text = parts[0].string, let id = StreamID(text) else { throw .protocolError("a stream entry without an id") }
        switch parts[1] {
        case .skipped:
            return StreamEntry(id: id, fields: [:], skipped: true)
        case .array(nil):
            return StreamEntry(id: id, fields: [:])
        case .array(let list?):
            guard list.count % 2 == 0 else { throw .protocolError("a stream entry with an odd number of fields") }
            var entry = StreamEntry(id: id, fields: Dictionary(minimumCapacity: list.count / 2))
            var index = 0
            while index < list.count {
                defer { index += 2 }
                guard let name = list[index].string, let bytes = list[index + 1].bytes else {
                    guard list[index] == .skipped || list[index + 1] == .skipped else {
                        throw .protocolError("a stream entry field that is not a bulk string")
                    }
                    entry.skipped = true
                    continue
                }
                entry.fields[name] = bytes
            }
            return entry
        default:
            throw .protocolError("a stream entry without fields")
        }
    }
}
