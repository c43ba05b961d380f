/// A message from another server (or an emitter) that is not in the redis-adapter's wire
/// format: bytes that are neither JSON nor MessagePack, or a value without the fields its type
/// needs. The adapter logs such a message and drops it; it never fails a request or the
/// connection, because anyone who can publish on the channels can send one.
///
/// Modeled on valkey-swift's `ValkeyClientError`: a private code, so that cases can be added,
/// a message, and where it was thrown.
package struct ClusterMessageError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case undecodable
        case notABroadcast
        case unknownType
        case missingField
    }

    private let code: Code
    /// What was wrong, for the log.
    package let message: String
    /// The JSON or MessagePack error underneath, if any.
    package let underlying: (any Error)?
    package let file: String
    package let line: Int

    private init(_ code: Code, _ message: String, underlying: (any Error)? = nil, file: String, line: Int) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    /// The payload is neither JSON nor MessagePack.
    package static func undecodable(_ error: any Error, file: String = #fileID, line: Int = #line) -> Self {
        Self(.undecodable, "the payload is neither JSON nor MessagePack", underlying: error, file: file, line: line)
    }

    /// A broadcast channel carried something that is not `[uid, packet, opts]` with an EVENT.
    package static func notABroadcast(file: String = #fileID, line: Int = #line) -> Self {
        Self(.notABroadcast, "not a redis-adapter broadcast", file: file, line: line)
    }

    /// A request whose `type` is missing or not one of redis-adapter's.
    package static func unknownType(_ type: Int?, file: String = #fileID, line: Int = #line) -> Self {
        Self(.unknownType, "unknown request type \(type.map(String.init) ?? "(none)")", file: file, line: line)
    }

    /// A field the message's type needs is missing or has the wrong type.
    package static func missingField(_ field: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.missingField, "missing or invalid field '\(field)'", file: file, line: line)
    }

    package var description: String {
        var text = "ClusterMessageError: \(self.message)"
        if let underlying { text += " (\(underlying))" }
        return text + " [\(self.file):\(self.line)]"
    }
}

extension ClusterMessageError: Equatable {
    /// Same code and message; where it was thrown and the underlying error do not count.
    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }
}
