import NIOCore
public import SocketIOProtocol

extension SocketIOValue {
    /// The value a Node server would see after decoding `value` and passing it through
    /// `JSON.stringify` on its way to a client: `undefined` becomes `null` (and disappears from
    /// objects), a `Date` its ISO 8601 text, binary stays binary (an attachment), map keys become
    /// strings.
    public init(messagePack value: MessagePackValue) {
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
            var object = SocketIOObject()
            for entry in entries where entry.value != .undefined {
                object[Self.key(entry.key)] = SocketIOValue(messagePack: entry.value)
            }
            self = .object(object)
        case .date(let milliseconds): self = .string(ISO8601.string(milliseconds: milliseconds))
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
    public init(_ value: SocketIOValue) {
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

/// `Date.prototype.toISOString()` without Foundation: `2024-01-02T03:04:05.678Z`.
enum ISO8601 {
    static func string(milliseconds: Int64) -> String {
        let (days, millisecondOfDay) = Self.floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let hour = millisecondOfDay / 3_600_000
        let minute = millisecondOfDay / 60_000 % 60
        let second = millisecondOfDay / 1000 % 60
        let millisecond = millisecondOfDay % 1000
        let yearText = (0...9999).contains(year) ? Self.pad(year, 4) : (year < 0 ? "-" : "+") + Self.pad(abs(year), 6)
        return "\(yearText)-\(Self.pad(month, 2))-\(Self.pad(day, 2))T\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)).\(Self.pad(millisecond, 3))Z"
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
