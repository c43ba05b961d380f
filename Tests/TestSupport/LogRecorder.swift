public import Logging

/// Keeps the messages logged, for a test to wait on one (``Watched``): a log line is often the
/// only sign that something happened inside the server.
public struct LogRecorder: LogHandler {
    /// The messages so far, in order.
    public let messages: Watched<[String]>
    /// The lowest level recorded.
    public var logLevel: Logger.Level
    /// Metadata of the logger (kept, not recorded).
    public var metadata: Logger.Metadata = [:]

    /// A handler that appends every message at `logLevel` or above to `messages`.
    public init(messages: Watched<[String]>, logLevel: Logger.Level = .trace) {
        self.messages = messages
        self.logLevel = logLevel
    }

    /// One metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    /// Records the message.
    public func log(event: LogEvent) {
        self.messages.update { $0.append(event.message.description) }
    }
}
