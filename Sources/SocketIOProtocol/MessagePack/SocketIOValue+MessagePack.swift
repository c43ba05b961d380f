import NIOCore

extension SocketIOValue {
    /// The value a Node server would see after decoding `value` and passing it through
    /// `JSON.stringify` on its way to a client: `undefined` becomes `null` (and disappears from
    /// objects), a `Date` its ISO 8601 text, binary stays binary (an attachment), map keys become
    /// strings.
    package init(messagePack value: MessagePackValue) {
        switch value {
        case .nil, .undefined: self = .null
        case .bool(let bool): self = .bool(bool)
        case .int(let int): self = Int(exactly: int).map(SocketIOValue.int) ?? .double(Double(int))
        case .uint(let uint): self = .double(Double(uint))
        case .double(let double): self = double.isFinite ? .double(double) : .null
        case .string(let string): self = .string(string)
        case .binary(let bytes): self = .binary(bytes)
        case .array(let elements): self = .array(elements.map(SocketIOValue.init(messagePack:)))
        case .map(let entries):
            // Linear in the map's size, repeated keys included (notepack: the last one wins).
            var object = SocketIOObject.Builder(capacity: entries.count)
            for entry in entries where entry.value != .undefined {
                object.set(Self.key(entry.key), SocketIOValue(messagePack: entry.value))
            }
            self = .object(object.object)
        case .date(let milliseconds): self = .string(ISO8601Time.string(milliseconds: milliseconds))
        case .ext(_, let data): self = .binary(data)
        }
    }

    /// JavaScript object keys are strings: a key of another type becomes the property name
    /// JavaScript makes of it (`1` → `"1"`, `true` → `"true"`, bytes → their UTF-8 text).
    private static func key(_ key: MessagePackValue) -> String {
        switch key {
        case .string(let string): return string
        case .map: return Self.objectKey(.object([:]))
        case .array, .ext: return Self.objectKey(.array([]))  // notepack decodes an extension as [type, bytes]
        case .undefined: return Self.objectKey(nil)
        default: return Self.objectKey(SocketIOValue(messagePack: key))
        }
    }

    /// The property name JavaScript makes of an object key that is not a string (MessagePack
    /// allows any key; notepack's decoder assigns `object[key]`): a number's or a Boolean's
    /// text, `"null"`, `"undefined"` (`nil` here), bytes as their UTF-8 text.
    ///
    /// An array or map key, which no Socket.IO client sends, becomes a fixed name
    /// (`[object Object]`, as in JavaScript, and `[object Array]`) rather than its contents:
    /// spelling out keys whose keys are keys escapes each level's quotes again, so a message of
    /// a few hundred bytes grew without bound (found by the FuzzSocketIOMessagePack fuzzer).
    package static func objectKey(_ key: SocketIOValue?) -> String {
        switch key {
        case .string(let string)?: return string
        case .binary(let bytes)?: return String(decoding: bytes.readableBytesView, as: UTF8.self)
        case .object?: return "[object Object]"
        case .array?: return "[object Array]"
        case let scalar?: return scalar.description  // a number, a Boolean, `null`
        case nil: return "undefined"
        }
    }
}

extension MessagePackValue {
    /// `value` as notepack would encode the same JavaScript value: objects as string-keyed
    /// maps, binary as `bin`, a whole number as an integer.
    package init(_ value: SocketIOValue) {
        switch value {
        case .null: self = .nil
        case .bool(let bool): self = .bool(bool)
        case .int(let int): self = .int(Int64(int))
        // A whole number as an integer, as notepack writes a JavaScript number.
        case .double(let double):
            self = double.rounded(.towardZero) == double && abs(double) < 9.2e18 ? .int(Int64(double)) : .double(double)
        case .string(let string): self = .string(string)
        case .binary(let bytes): self = .binary(bytes)
        case .array(let elements): self = .array(elements.map(MessagePackValue.init))
        case .object(let object): self = .map(object.entries.map { Entry(.string($0.key), MessagePackValue($0.value)) })
        }
    }
}
