import NIOCore
package import SocketIOProtocol

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

    /// JavaScript object keys are strings; other keys are written as their JSON text would be.
    private static func key(_ key: MessagePackValue) -> String {
        switch key {
        case .string(let string): return string
        case .int(let int): return String(int)
        case .uint(let uint): return String(uint)
        case .bool(let bool): return String(bool)
        default: return "\(key)"
        }
    }
}

extension MessagePackValue {
    /// `value` as notepack would encode the same JavaScript value: objects as string-keyed
    /// maps, binary as `bin`.
    package init(_ value: SocketIOValue) {
        switch value {
        case .null: self = .nil
        case .bool(let bool): self = .bool(bool)
        case .int(let int): self = .int(Int64(int))
        case .double(let double): self = .double(double)
        case .string(let string): self = .string(string)
        case .binary(let bytes): self = .binary(bytes)
        case .array(let elements): self = .array(elements.map(MessagePackValue.init))
        case .object(let object): self = .map(object.entries.map { Entry(.string($0.key), MessagePackValue($0.value)) })
        }
    }
}
