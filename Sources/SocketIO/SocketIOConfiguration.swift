public import EngineIO
public import NIOCore
public import SocketIOProtocol

/// How a ``SocketIOServer`` behaves. The defaults are the official Node server's.
public struct SocketIOConfiguration: Sendable {
    /// The endpoint path. Node: `/socket.io/`.
    public var path: String
    /// The Engine.IO settings: heartbeat, payload size, CORS, cookie, transports, and the
    /// header hooks (`engine.initialHeaders`, `engine.headers`: Node's
    /// `io.engine.on("initial_headers")` and `io.engine.on("headers")`).
    public var engine: EngineIOConfiguration
    /// How long a new connection may take to join a namespace before it is closed. Node: 45 s.
    public var connectTimeout: Duration
    /// Binary attachments one packet may announce. socket.io-parser: 10.
    public var maxAttachments: Int
    /// Nesting of arrays and objects accepted in a packet's payload, JSON or MessagePack.
    public var maxJSONDepth: Int
    /// How packets are written on Engine.IO messages: ``/SocketIOProtocol/SocketIOParser/json``
    /// (the default, as Node's) or ``/SocketIOProtocol/SocketIOParser/messagePack`` (Node's
    /// `socket.io-msgpack-parser`, python-socketio's `serializer='msgpack'`). Every client must
    /// use the same; a client on the other wire is closed at its first packet, with a logged
    /// parse error.
    public var parser: SocketIOParser
    /// Makes each namespace's adapter: ``InMemoryAdapter`` (one server) by default, or a cluster
    /// adapter such as SocketIORedisAdapter's.
    public var adapter: any SocketIOAdapterFactory
    /// Connection state recovery; `nil` (the default, as in Node) turns it off.
    public var connectionStateRecovery: ConnectionStateRecovery?

    /// Creates a configuration; every parameter defaults to the value its property documents.
    ///
    /// ```swift
    /// var engine = EngineIOConfiguration()
    /// engine.cors = CORSConfiguration(origins: .list(["https://app.example.com"]))
    /// engine.initialHeaders = { headers, _ in headers.add(name: "set-cookie", value: "seen=1; Path=/") }
    /// let io = SocketIOServer(configuration: SocketIOConfiguration(engine: engine))
    /// ```
    ///
    /// - Parameters:
    ///   - path: The endpoint path.
    ///   - engine: The Engine.IO settings.
    ///   - connectTimeout: How long a connection may take to join a namespace.
    ///   - maxAttachments: Binary attachments per packet.
    ///   - maxJSONDepth: JSON nesting per packet.
    ///   - adapter: Makes each namespace's adapter.
    ///   - connectionStateRecovery: Connection state recovery, or `nil` for none.
    ///   - parser: How packets are written: JSON or MessagePack.
    public init(
        path: String = "/socket.io/",
        engine: EngineIOConfiguration = EngineIOConfiguration(),
        connectTimeout: Duration = .seconds(45),
        maxAttachments: Int = 10,
        maxJSONDepth: Int = 100,
        adapter: any SocketIOAdapterFactory = InMemoryAdapter.Factory(),
        connectionStateRecovery: ConnectionStateRecovery? = nil,
        parser: SocketIOParser = .json
    ) {
        self.path = path
        self.engine = engine
        self.connectTimeout = connectTimeout
        self.maxAttachments = maxAttachments
        self.maxJSONDepth = maxJSONDepth
        self.adapter = adapter
        self.connectionStateRecovery = connectionStateRecovery
        self.parser = parser
    }
}
