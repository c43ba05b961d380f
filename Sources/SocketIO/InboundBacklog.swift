/// What one connection's event handlers have yet to get through: the events dispatched and not
/// finished, and their bytes. Over either bound the connection stops reading (inbound
/// backpressure, issue 11); it reads again once both are down to half, so that it does not
/// flap on every event.
///
/// A plain value: the ``Client`` that owns it carries its actions out on the connection's loop.
struct InboundBacklog {
    enum Action: Equatable {
        case pauseReading
        case resumeReading
    }

    let maxEvents: Int
    let maxBytes: Int
    private(set) var events = 0
    private(set) var bytes = 0
    private(set) var isPaused = false

    init(maxEvents: Int, maxBytes: Int) {
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
    }

    /// An event of `bytes` went to its handler.
    mutating func dispatched(bytes: Int) -> Action? {
        self.events += 1
        self.bytes += bytes
        guard !self.isPaused, self.events > self.maxEvents || self.bytes > self.maxBytes else { return nil }
        self.isPaused = true
        return .pauseReading
    }

    /// The handler of an event of `bytes` finished.
    mutating func finished(bytes: Int) -> Action? {
        self.events -= 1
        self.bytes -= bytes
        guard self.isPaused, self.events <= self.maxEvents / 2, self.bytes <= self.maxBytes / 2 else { return nil }
        self.isPaused = false
        return .resumeReading
    }
}
