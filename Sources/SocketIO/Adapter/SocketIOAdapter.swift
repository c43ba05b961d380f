public import EngineIOProtocol
public import SocketIOProtocol

/// A socket's public id (the `sid` of the CONNECT reply); also the name of its own room.
public typealias SocketID = String
/// A room name.
public typealias Room = String

/// Room membership and broadcasting for one namespace (Node's `Adapter`).
///
/// The membership methods are about this server's sockets. The operations below them reach
/// the whole cluster: ``InMemoryAdapter`` (the default) is a cluster of one server; a cluster
/// adapter (SocketIORedisAdapter) does the same locally and forwards to the other servers;
/// ``ClusterAdapter`` gives such an adapter the membership methods.
/// An adapter sees the namespace only through the ``LocalNamespace`` it was made with.
public protocol SocketIOAdapter: AnyObject, Sendable {
    // MARK: This server's membership

    /// Adds a socket to rooms.
    func addAll(_ id: SocketID, rooms: Set<Room>)
    /// Removes a socket from one room.
    func del(_ id: SocketID, room: Room)
    /// Removes a socket from every room.
    func delAll(_ id: SocketID)
    /// The rooms a socket is in.
    func rooms(of id: SocketID) -> Set<Room>
    /// The local sockets a broadcast with these options reaches.
    func sockets(matching options: BroadcastOptions) -> Set<SocketID>
    /// Every room with at least one local member.
    func allRooms() -> Set<Room>

    // MARK: The cluster (with `options.flags.local`, this server only)

    /// Encodes `packet` once and delivers it to every matching socket.
    ///
    /// With connection state recovery on (``LocalNamespace/connectionStateRecovery``), an EVENT
    /// packet without an ack id and not volatile gets an offset appended as its last argument
    /// (the client keeps the last one it saw), and is kept for replay by
    /// ``restoreSession(pid:offset:)`` (Node's `SessionAwareAdapter.broadcast`).
    func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions)
    /// A broadcast whose every recipient is asked for an ack (Node's `broadcastWithAck`).
    /// Each server calls `onClientCount` with how many answers to expect from it (and with −1
    /// when a recipient leaves before answering); every answer's first argument goes to `onAck`.
    func broadcastWithAck(
        _ packet: SocketIOPacket,
        options: BroadcastOptions,
        onClientCount: @escaping @Sendable (Int) -> Void,
        onAck: @escaping @Sendable (SocketIOValue) -> Void
    )
    /// Makes the matching sockets join `rooms`.
    func addSockets(_ options: BroadcastOptions, rooms: Set<Room>)
    /// Makes the matching sockets leave `rooms`.
    func delSockets(_ options: BroadcastOptions, rooms: Set<Room>)
    /// Disconnects the matching sockets; with `close`, their connections too.
    func disconnectSockets(_ options: BroadcastOptions, close: Bool)
    /// Describes the matching sockets of every server.
    func fetchSockets(_ options: BroadcastOptions) async throws -> [SocketDetails]
    /// Sends an event to the other servers' ``Namespace/onServerSideEmit(_:_:)`` handlers.
    func serverSideEmit(_ arguments: [SocketIOValue]) throws
    /// Same, and waits for one answer from each other server.
    func serverSideEmitWithAck(_ arguments: [SocketIOValue], timeout: Duration) async throws -> [SocketIOValue]
    /// How many servers the cluster has, this one included.
    func serverCount() async throws -> Int

    // MARK: Connection state recovery (with ``LocalNamespace/connectionStateRecovery`` set)

    /// Keeps the session of a socket that left for a reason a reconnect can follow, for
    /// `maxDisconnectionDuration` (Node's `persistSession`).
    func persistSession(_ session: PersistedSession)
    /// Takes back the session `pid` with the events sent to its rooms after `offset`, in order
    /// (Node's `restoreSession`). `nil` when the session expired or was never kept, or when
    /// `offset` is no longer known: the client then connects as a new socket.
    func restoreSession(pid: String, offset: String) async throws -> RecoveredSession?
    /// Puts a socket recovered by ``restoreSession(pid:offset:)`` back in `rooms`, and returns the
    /// events that reached those rooms after `offset` (the last one replayed) while it was being
    /// restored, in order: each event reaches the socket once, in the result or live. Called on
    /// the socket's event loop, which sends the result right after the replay, before any live
    /// event. The default joins and returns nothing.
    func joinRecovered(_ id: SocketID, rooms: Set<Room>, after offset: String) -> [[SocketIOValue]]
}

extension SocketIOAdapter {
    /// Keeps nothing: an adapter without recovery support.
    public func persistSession(_ session: PersistedSession) {}
    /// Finds nothing: an adapter without recovery support.
    public func restoreSession(pid: String, offset: String) async throws -> RecoveredSession? { nil }
    /// Joins the rooms and returns nothing: an adapter that delivers nothing during a restore.
    public func joinRecovered(_ id: SocketID, rooms: Set<Room>, after offset: String) -> [[SocketIOValue]] {
        self.addAll(id, rooms: rooms)
        return []
    }
}

/// The narrow view of a namespace on this server that its adapter gets: deliver to, move and
/// describe local sockets, and hand on what other servers sent. An adapter never reaches into
/// server internals (socketioxide's `SocketEmitter`).
public protocol LocalNamespace: Sendable {
    /// The namespace's name, with its leading slash.
    var name: String { get }
    /// The server's connection state recovery settings; `nil` when it is off.
    var connectionStateRecovery: ConnectionStateRecovery? { get }
    /// The wire of the server's clients (``SocketIOConfiguration/parser``). An adapter encodes
    /// what it delivers with ``encode(_:)``, which uses it; JSON unless the namespace says
    /// otherwise.
    var parser: SocketIOParser { get }
    /// Writes the same frames to each of these local sockets. Returns how many it reached.
    @discardableResult
    func deliver(_ frames: [EngineIOFrame], to sockets: Set<SocketID>, volatile: Bool) -> Int
    /// Writes the same frames to each of these local sockets; with `compress` false they go
    /// uncompressed on a permessage-deflate WebSocket (``BroadcastFlags/compress``).
    /// Returns how many it reached.
    @discardableResult
    func deliver(_ frames: [EngineIOFrame], to sockets: Set<SocketID>, volatile: Bool, compress: Bool) -> Int
    /// Sends `packet` to these local sockets with one ack id, encoded once; each answer's first
    /// argument goes to `onAck`, and `onGone` runs for each recipient that leaves (or cannot be
    /// written to, or does not answer within `timeout`) before answering. Returns how many it
    /// was sent to.
    @discardableResult
    func deliverWithAck(
        _ packet: SocketIOPacket,
        to sockets: Set<SocketID>,
        volatile: Bool,
        timeout: Duration?,
        onAck: @escaping @Sendable (SocketIOValue) -> Void,
        onGone: @escaping @Sendable () -> Void
    ) -> Int
    /// Makes these local sockets join `rooms`.
    func join(_ sockets: Set<SocketID>, rooms: Set<Room>)
    /// Makes these local sockets leave `rooms`.
    func leave(_ sockets: Set<SocketID>, rooms: Set<Room>)
    /// Disconnects these local sockets; with `close`, their connections too.
    func disconnect(_ sockets: Set<SocketID>, close: Bool)
    /// Describes these local sockets.
    func details(of sockets: Set<SocketID>) -> [SocketDetails]
    /// An event another server sent with `serverSideEmit`: runs this namespace's handlers.
    /// `reply` is set when the sender waits for an answer: call it once.
    func receiveServerSideEmit(_ arguments: [SocketIOValue], reply: (@Sendable (SocketIOValue) -> Void)?)
}

extension LocalNamespace {
    /// JSON, Node's default wire: for a namespace view written before the parser was a setting.
    public var parser: SocketIOParser { .json }

    /// Encodes `packet` once, in the server's wire (``parser``), into the frames that
    /// ``deliver(_:to:volatile:)`` writes to every target. Every adapter encodes through here,
    /// so a cluster adapter (SocketIORedisAdapter's) delivers MessagePack to a MessagePack
    /// server's clients without knowing about it.
    ///
    /// - Parameter packet: The packet.
    /// - Returns: Its Engine.IO frames.
    public func encode(_ packet: SocketIOPacket) -> [EngineIOFrame] {
        self.parser.encode(packet)
    }
}

/// Makes the adapter of each namespace (``SocketIOConfiguration/adapter``).
public protocol SocketIOAdapterFactory: Sendable {
    func makeAdapter(for namespace: any LocalNamespace) -> any SocketIOAdapter
}

/// Who a broadcast reaches and how (Node's `BroadcastOptions`).
public struct BroadcastOptions: Sendable, Hashable {
    /// The rooms to reach; empty means every socket of the namespace.
    public var rooms: Set<Room>
    /// Sockets in these rooms are left out (a socket id is a room).
    public var except: Set<Room>
    /// How to send: volatile, local, compress, ack timeout.
    public var flags: BroadcastFlags

    /// Options for a broadcast to `rooms` (everyone when empty) but `except`.
    public init(rooms: Set<Room> = [], except: Set<Room> = [], flags: BroadcastFlags = BroadcastFlags()) {
        self.rooms = rooms
        self.except = except
        self.flags = flags
    }
}

/// The flags of a broadcast.
public struct BroadcastFlags: Sendable, Hashable {
    /// Drop for clients that cannot take it right now, instead of queueing.
    public var volatile: Bool
    /// Only this server's sockets, even with a cluster adapter.
    public var local: Bool
    /// Whether the packet may go compressed (permessage-deflate), as Node's `compress` flag:
    /// `false` sends it uncompressed even to a client that negotiated compression.
    public var compress: Bool
    /// How long a broadcast with acks waits (Node's `flags.timeout`); cluster adapters keep
    /// other servers' answers that long.
    public var timeout: Duration?

    /// Flags; the defaults are Node's.
    public init(volatile: Bool = false, local: Bool = false, compress: Bool = true, timeout: Duration? = nil) {
        self.volatile = volatile
        self.local = local
        self.compress = compress
        self.timeout = timeout
    }
}

/// What `fetchSockets()` learns of a socket, on this server or another (Node's
/// `RemoteSocket` data): plain values, so they cross the wire.
public struct SocketDetails: Sendable, Hashable {
    /// The socket's id.
    public var id: SocketID
    /// Node's handshake object: `headers`, `address`, `url`, `query`, `auth`, `issued`,
    /// `secure`, `xdomain`, `time`.
    public var handshake: SocketIOValue
    /// The rooms the socket is in, its own id included.
    public var rooms: Set<Room>
    /// The socket's shared data (``Socket/data``, Node's `socket.data`).
    public var data: SocketIOValue

    /// A socket as a server describes it to others.
    public init(id: SocketID, handshake: SocketIOValue, rooms: Set<Room>, data: SocketIOValue) {
        self.id = id
        self.handshake = handshake
        self.rooms = rooms
        self.data = data
    }
}

extension LocalNamespace {
    /// Delivers with the `compress` flag set, for a namespace that has no other way.
    @discardableResult
    public func deliver(_ frames: [EngineIOFrame], to sockets: Set<SocketID>, volatile: Bool, compress: Bool) -> Int {
        self.deliver(frames, to: sockets, volatile: volatile)
    }
}
