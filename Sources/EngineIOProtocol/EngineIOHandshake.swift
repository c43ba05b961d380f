import NIOCore

/// The payload of the `open` packet that starts every Engine.IO v4 session
/// (Engine.IO protocol v4, "Handshake"): exactly the keys `sid`, `upgrades`, `pingInterval`,
/// `pingTimeout` and `maxPayload`, in that order, as the official server writes them.
public struct EngineIOHandshake: Sendable, Hashable {
    /// The session id the client sends back as `sid` on every later polling request and on the
    /// WebSocket upgrade.
    public var sid: String
    /// The transports the client may upgrade to from this one: `["websocket"]` on a polling
    /// handshake when WebSocket is enabled, empty on a WebSocket handshake (nothing is above it).
    public var upgrades: [String]
    /// Milliseconds.
    public var pingInterval: Int
    /// Milliseconds.
    public var pingTimeout: Int
    /// The largest HTTP body, in bytes, the server accepts on a polling POST; the client splits
    /// its payloads to stay under it (Node's `maxHttpBufferSize`).
    public var maxPayload: Int

    /// Creates the handshake payload of one session.
    ///
    /// - Parameters:
    ///   - sid: The session id.
    ///   - upgrades: The transports the client may upgrade to.
    ///   - pingInterval: Milliseconds between the server's pings.
    ///   - pingTimeout: Milliseconds the server waits for a pong before it closes the session.
    ///   - maxPayload: The largest polling body in bytes.
    public init(sid: String, upgrades: [String], pingInterval: Int, pingTimeout: Int, maxPayload: Int) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
    }

    /// The JSON object, compact.
    public var json: String {
        var out = "{\"sid\":"
        JSONString.append(self.sid, to: &out)
        out += ",\"upgrades\":["
        for (index, upgrade) in self.upgrades.enumerated() {
            if index > 0 { out += "," }
            JSONString.append(upgrade, to: &out)
        }
        out += "],\"pingInterval\":\(self.pingInterval),\"pingTimeout\":\(self.pingTimeout),\"maxPayload\":\(self.maxPayload)}"
        return out
    }

    /// The `open` packet's frame: `0{...}`.
    public var frame: EngineIOFrame {
        .text(ByteBuffer(string: "0" + self.json))
    }
}

/// Writes a JSON string literal. Shared by the handshake and the error body, which are the only
/// JSON this module writes.
package enum JSONString {
    package static func append(_ string: String, to out: inout String) {
        out.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }
}
