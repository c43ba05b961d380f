/// The error codes the Engine.IO server answers a refused HTTP request with, as the official
/// server's `Server.errors` table defines them: HTTP 400 (403 for `forbidden`) with the JSON body
/// `{"code":N,"message":"..."}`.
public enum EngineIOErrorCode: Int, Sendable, Hashable, CaseIterable {
    case transportUnknown = 0
    case unknownSessionID = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5

    /// The message the official server sends with this code.
    public var message: String {
        switch self {
        case .transportUnknown: return "Transport unknown"
        case .unknownSessionID: return "Session ID unknown"
        case .badHandshakeMethod: return "Bad handshake method"
        case .badRequest: return "Bad request"
        case .forbidden: return "Forbidden"
        case .unsupportedProtocolVersion: return "Unsupported protocol version"
        }
    }

    /// The HTTP status code for this error.
    public var httpStatus: Int { self == .forbidden ? 403 : 400 }

    /// The JSON body: `{"code":N,"message":"..."}`, with `message` replacing the default text.
    public func jsonBody(message: String? = nil) -> String {
        var out = "{\"code\":\(self.rawValue),\"message\":"
        JSONString.append(message ?? self.message, to: &out)
        out += "}"
        return out
    }
}
