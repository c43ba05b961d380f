/// JavaScript's `Date.prototype.toString()` for UTC, without Foundation:
/// `Thu Dec 03 2026 22:27:45 GMT+0000 (Coordinated Universal Time)`, Node's `handshake.time`.
enum JavaScriptDateText {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func string(milliseconds: Int64) -> String {
        // The ISO form has every field; the weekday comes from the day count (1970-01-01 was
        // a Thursday).
        let iso = Array(ISO8601Time.string(milliseconds: milliseconds).utf8)
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let weekday = Int(((days + 4) % 7 + 7) % 7)
        // `YYYY-MM-DDTHH:mm:ss.sssZ`, or `±YYYYYY-…` outside years 0 to 9999.
        let dash = iso.firstIndex(of: UInt8(ascii: "-"), after: 1)
        let year = String(decoding: iso[..<dash], as: UTF8.self)
        let month = Int(iso[dash + 1] - 48) * 10 + Int(iso[dash + 2] - 48)
        let day = String(decoding: iso[(dash + 4)...(dash + 5)], as: UTF8.self)
        let clock = String(decoding: iso[(dash + 7)...(dash + 14)], as: UTF8.self)
        // JavaScript writes years below 1000 with four digits and negative ones with a sign.
        let yearText = year.hasPrefix("+") ? String(year.drop(while: { $0 == "+" || $0 == "0" })) : year
        return "\(weekdays[weekday]) \(months[month - 1]) \(day) \(yearText) \(clock) GMT+0000 (Coordinated Universal Time)"
    }
}

extension Array where Element == UInt8 {
    /// The first index of `byte` at or after `start`.
    fileprivate func firstIndex(of byte: UInt8, after start: Int) -> Int {
        self[start...].firstIndex(of: byte) ?? self.endIndex
    }
}
