public import NIOCore

/// A message delivered to a subscription: what ``ClusterPubSub/subscribe(to:patterns:process:)``
/// hands its reader. Public because a ``ClusterPubSub`` of your own makes these.
public struct RedisMessage: Sendable, Hashable {
    /// The channel it was published on.
    public var channel: String
    /// The pattern that matched, for `PSUBSCRIBE`.
    public var pattern: String?
    /// The bytes published.
    public var payload: ByteBuffer

    /// `["message", channel, payload]` or `["pmessage", pattern, channel, payload]`.
    init?(_ value: RESPValue) {
        guard let elements = value.array, let kind = elements.first?.string else { return nil }
        switch kind {
        case "message" where elements.count == 3:
            guard let channel = elements[1].string, let payload = elements[2].bytes else { return nil }
            self.init(channel: channel, pattern: nil, payload: payload)
        case "pmessage" where elements.count == 4:
            guard let pattern = elements[1].string, let channel = elements[2].string, let payload = elements[3].bytes else { return nil }
            self.init(channel: channel, pattern: pattern, payload: payload)
        default:
            return nil
        }
    }

    /// Whether `value` is a pub/sub push (`message` or `pmessage`), which answers no command.
    static func isPush(_ value: RESPValue) -> Bool {
        guard let elements = value.array, let kind = elements.first?.string else { return false }
        return (kind == "message" && elements.count == 3) || (kind == "pmessage" && elements.count == 4)
    }

    /// A message published on `channel` (matched by `pattern`, for a pattern subscription).
    public init(channel: String, pattern: String?, payload: ByteBuffer) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }
}
