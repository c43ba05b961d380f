import FuzzSupport
import SocketIOProtocol

/// `SocketIODate(iso8601:)`, the strict date parser behind `SocketIODate`'s and
/// `Foundation.Date`'s decoding (issue 15): any bytes are refused or parse to an instant in
/// JavaScript's range whose `Date.toJSON()` text parses back to the same instant, and the text
/// of an accepted input is at most 40 bytes. Nothing may trap.
runLibFuzzer { data, size in
    let text = String(decoding: input(data, size), as: UTF8.self)
    guard let date = SocketIODate(iso8601: text) else { return 0 }
    guard text.utf8.count <= 40, abs(date.millisecondsSince1970) <= 8_640_000_000_000_000 else {
        fatalError("an accepted date is out of shape")
    }
    guard SocketIODate(iso8601: date.iso8601) == date else {
        fatalError("a parsed date does not print back to itself")
    }
    return 0
}
