public import SocketIOProtocol

/// What an adapter keeps of a socket that left for a reason a reconnect can follow, for
/// connection state recovery (Node's `SessionToPersist`).
public struct PersistedSession: Sendable, Hashable {
    /// The socket's public id, which the recovered socket keeps.
    public var id: SocketID
    /// The private session id the client sends back to recover (`pid`). Never shown to other
    /// clients: it is what proves the session is the client's.
    public var pid: String
    /// The rooms the socket was in, its own id included.
    public var rooms: Set<Room>
    /// The socket's ``Socket/data``.
    public var data: SocketIOValue

    /// A session to keep.
    public init(id: SocketID, pid: String, rooms: Set<Room>, data: SocketIOValue) {
        self.id = id
        self.pid = pid
        self.rooms = rooms
        self.data = data
    }
}

/// A session an adapter found again, with the events its socket missed (Node's `Session`).
public struct RecoveredSession: Sendable, Hashable {
    /// The session as it was kept.
    public var session: PersistedSession
    /// Each missed EVENT's data array, in the order they were sent: the event name, its
    /// arguments, and its offset last.
    public var missedPackets: [[SocketIOValue]]

    /// A recovered session.
    public init(session: PersistedSession, missedPackets: [[SocketIOValue]]) {
        self.session = session
        self.missedPackets = missedPackets
    }
}
