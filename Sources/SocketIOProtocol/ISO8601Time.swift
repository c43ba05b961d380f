/// `Date.prototype.toISOString()` without Foundation: `2024-01-02T03:04:05.678Z`, and its
/// strict parser (``SocketIODate``).
package enum ISO8601Time {
    /// The instants a JavaScript `Date` can hold: ±100,000,000 days around 1970 (ECMA-262
    /// "Time Values and Time Range").
    package static let range: ClosedRange<Int64> = -8_640_000_000_000_000...8_640_000_000_000_000

    /// The longest text ``parse(_:)`` reads: `+275760-09-13T00:00:00.000000000+00:00` is 38
    /// bytes. Anything longer is refused before it is looked at.
    package static let maxLength = 40

    package static func string(milliseconds: Int64) -> String {
        let (days, millisecondOfDay) = Self.floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let hour = millisecondOfDay / 3_600_000
        let minute = millisecondOfDay / 60_000 % 60
        let second = millisecondOfDay / 1000 % 60
        let millisecond = millisecondOfDay % 1000
        let yearText = (0...9999).contains(year) ? Self.pad(year, 4) : (year < 0 ? "-" : "+") + Self.pad(abs(year), 6)
        return
            "\(yearText)-\(Self.pad(month, 2))-\(Self.pad(day, 2))T\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)).\(Self.pad(millisecond, 3))Z"
    }

    /// Parses `YYYY-MM-DDTHH:mm:ss[.fraction]Z` or `±HH:mm` in place of `Z` (what
    /// `Date.toJSON()`, Python's `isoformat()` with a zone and RFC 3339 write), years also as
    /// `±YYYYYY` (ECMA-262's expanded years). Returns milliseconds since 1970, or `nil`.
    ///
    /// Stricter than JavaScript's `Date.parse`, which also takes dates without a time or a
    /// zone (a zone-less time is local time, which a server cannot know): only full instants,
    /// fields in range (no February 30, no leap second, no hour 24), 1 to 9 fraction digits
    /// (cut to milliseconds, as JavaScript does), and only `T` and `Z` in upper case. One pass
    /// over at most ``maxLength`` bytes.
    package static func parse(_ text: some StringProtocol) -> Int64? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(maxLength)
        for byte in text.utf8 {
            guard bytes.count < maxLength else { return nil }
            bytes.append(byte)
        }
        var reader = Reader(bytes: bytes)
        let year: Int64
        if let sign = reader.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            reader.index += 1
            guard let digits = reader.digits(6) else { return nil }
            // ECMA-262: `-000000` is not a year.
            if sign == UInt8(ascii: "-") && digits == 0 { return nil }
            year = sign == UInt8(ascii: "-") ? -digits : digits
        } else {
            guard let digits = reader.digits(4) else { return nil }
            year = digits
        }
        guard reader.expect("-"), let month = reader.digits(2), (1...12).contains(month),
            reader.expect("-"), let day = reader.digits(2), day >= 1, day <= Self.daysIn(month: month, year: year),
            reader.expect("T"), let hour = reader.digits(2), hour < 24,
            reader.expect(":"), let minute = reader.digits(2), minute < 60,
            reader.expect(":"), let second = reader.digits(2), second < 60
        else { return nil }
        var millisecond: Int64 = 0
        if reader.expect(".") {
            var count = 0
            while let digit = reader.digit() {
                count += 1
                guard count <= 9 else { return nil }
                if count <= 3 { millisecond = millisecond * 10 + digit }
            }
            guard count > 0 else { return nil }
            while count < 3 {
                millisecond *= 10
                count += 1
            }
        }
        var offsetMinutes: Int64 = 0
        if reader.expect("Z") {
            // UTC.
        } else if let sign = reader.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            reader.index += 1
            guard let hours = reader.digits(2), hours < 24, reader.expect(":"), let minutes = reader.digits(2), minutes < 60 else { return nil }
            offsetMinutes = (hours * 60 + minutes) * (sign == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        guard reader.atEnd else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        let local = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millisecond
        let milliseconds = local - offsetMinutes * 60_000
        guard Self.range.contains(milliseconds) else { return nil }
        return milliseconds
    }

    /// A cursor over ASCII bytes.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { self.index == self.bytes.count }

        func peek() -> UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

        mutating func expect(_ character: Unicode.Scalar) -> Bool {
            guard self.peek() == UInt8(ascii: character) else { return false }
            self.index += 1
            return true
        }

        mutating func digit() -> Int64? {
            guard let byte = self.peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            self.index += 1
            return Int64(byte - UInt8(ascii: "0"))
        }

        /// Exactly `count` digits.
        mutating func digits(_ count: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<count {
                guard let digit = self.digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// A proleptic Gregorian date to days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
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
