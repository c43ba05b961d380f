import CoreMetrics
import EngineIO
import EngineIOProtocol
import Logging
import NIOCore
import SocketIOProtocol

/// The Socket.IO side of one Engine.IO session (Node's `Client`): decodes packets and routes
/// them to the session's sockets, one per namespace.
///
/// Confined to the session's event loop, and not `Sendable`: the engine calls it there, and
/// its sockets reach it as their session's handler, on the loop (the session's loop-bound
/// state checks that they are).
final class Client: EngineIOSocketHandler {
    let engine: EngineIOSocket
    let registry: NamespaceRegistry
    private let baseLogger: Logger
    private var decoder: SocketIOPacketDecoder
    private let parser: SocketIOParser
    private var sockets: [String: Socket] = [:]
    /// Namespaces whose CONNECT waits for the adapter to restore a session.
    private var restoring: Set<String> = []
    /// Set when the session closes: a restore that finishes later starts no socket.
    private var closed = false
    private var connectTimer: Scheduled<Void>?
    private var everConnected = false
    /// Inbound backpressure: events dispatched to handlers and not finished, bounded like the
    /// outbound queue (`maxBufferedPackets`, `maxBufferedBytes`).
    private var backlog: InboundBacklog
    /// The bytes of the packet being decoded: its text and the attachments so far.
    private var packetBytes = 0

    init(engine: EngineIOSocket, registry: NamespaceRegistry, configuration: SocketIOConfiguration, logger: Logger) {
        self.engine = engine
        self.registry = registry
        self.baseLogger = logger
        self.parser = configuration.parser
        // The attachments of an unfinished binary event are held in the same bound as the
        // connection's other buffers (Node holds up to 10 × maxHttpBufferSize of them).
        self.decoder = SocketIOPacketDecoder(
            maxAttachments: configuration.maxAttachments,
            maxAttachmentBytes: configuration.engine.maxBufferedBytes,
            maxDepth: configuration.maxJSONDepth,
            parser: configuration.parser
        )
        self.backlog = InboundBacklog(maxEvents: configuration.engine.maxBufferedPackets, maxBytes: configuration.engine.maxBufferedBytes)
        // A connection that joins no namespace in time is closed (Node's `connectTimeout`).
        self.connectTimer = engine.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(configuration.connectTimeout)) { [weak self] in
            guard let self, !self.everConnected else { return }
            self.logger.info("no namespace joined within connectTimeout; closing")
            self.engine.close(reason: .forcedClose)
        }
    }

    /// Built on demand: an idle connection keeps no metadata dictionary.
    private var logger: Logger {
        var logger = self.baseLogger
        logger[metadataKey: "eio.sid"] = "\(self.engine.id)"
        return logger
    }

    func socket(_ socket: EngineIOSocket, didReceive message: EngineIOPacket.Payload) {
        let packet: SocketIOPacket?
        do {
            switch message {
            case .text(let text):
                self.packetBytes = text.readableBytes
                packet = try self.decoder.decode(text: text)
            case .binary(let bytes):
                // JSON: an attachment of the packet whose text came first. MessagePack: a
                // packet of its own, counted alone (found by the benchmark: summed over the
                // connection's life, the count soon passed the inbound bound, and reading
                // paused and resumed at every event).
                if self.parser.isMessagePack { self.packetBytes = 0 }
                self.packetBytes += bytes.readableBytes
                packet = try self.decoder.decode(binary: bytes)
            case .none: packet = nil
            }
        } catch {
            self.logger.info("invalid Socket.IO packet; closing", metadata: ["error": "\(error)"])
            self.engine.close(reason: .parseError)
            return
        }
        guard let packet else { return }
        self.handle(packet, bytes: self.packetBytes)
    }

    private func handle(_ packet: SocketIOPacket, bytes: Int) {
        switch packet.type {
        case .connect:
            self.connect(packet, bytes: bytes)
        case .connectError:
            // Only servers send CONNECT_ERROR.
            self.logger.info("client sent CONNECT_ERROR; closing")
            self.engine.close(reason: .parseError)
        case .disconnect, .event, .binaryEvent, .ack, .binaryAck:
            guard let socket = self.sockets[packet.namespace] else {
                // Node's Client closes the connection here ("invalid state"): a client that
                // talks to a namespace it never joined is broken or hostile.
                self.logger.info("packet for a namespace this client has not joined; closing", metadata: ["sio.nsp": "\(packet.namespace)"])
                self.engine.close(reason: .forcedClose)
                return
            }
            switch packet.type {
            case .disconnect:
                self.sockets.removeValue(forKey: packet.namespace)
                socket.markDisconnected(.clientNamespaceDisconnect)
            case .ack, .binaryAck:
                if let id = packet.id { socket.receiveAck(id: id, arguments: packet.arguments) }
            default:
                self.apply(self.backlog.dispatched(bytes: bytes))
                let client = NIOLoopBound(self, eventLoop: self.engine.eventLoop)
                // Called on the loop: the socket's jobs and tasks run there.
                socket.dispatch(packet) { client.value.finished(bytes: bytes) }
            }
        }
    }

    private func connect(_ packet: SocketIOPacket, bytes: Int) {
        guard let namespace = self.registry.namespace(packet.namespace, create: false) else {
            let error = SocketIOPacket(type: .connectError, namespace: packet.namespace, data: ["message": "Invalid namespace"])
            self.registry.metrics?.invalidNamespace.increment()
            try? self.engine.send(self.parser.encode(error))
            return
        }
        guard self.sockets[namespace.name] == nil, !self.restoring.contains(namespace.name) else {
            self.logger.debug("second CONNECT to a joined namespace ignored", metadata: ["sio.nsp": "\(namespace.name)"])
            return
        }
        // Connecting runs middleware, which may take a while: it counts like an event.
        self.apply(self.backlog.dispatched(bytes: bytes))
        let auth = packet.data ?? .object([:])
        // A client that had a session sends its private id and the last offset it saw
        // (Node's `Namespace._createSocket`): both strings, or no recovery.
        guard namespace.registry.connectionStateRecovery != nil,
            case .string(let pid)? = auth["pid"], case .string(let offset)? = auth["offset"],
            pid.utf8.count <= 64, offset.utf8.count <= 64
        else {
            return self.startSocket(in: namespace, auth: auth, restoring: nil, bytes: bytes)
        }
        // The adapter may ask Redis: the namespace stays reserved meanwhile, so a second
        // CONNECT is ignored and any other packet for it closes the connection, as in Node
        // (whose client sends nothing else before the CONNECT reply).
        self.restoring.insert(namespace.name)
        let client = NIOLoopBound(self, eventLoop: self.engine.eventLoop)
        let adapter = namespace.adapter
        Task(executorPreference: EventLoopTaskExecutor.for(self.engine.eventLoop)) {
            let restored: RecoveredSession?
            do {
                restored = try await adapter.restoreSession(pid: pid, offset: offset)
            } catch {
                client.value.logger.debug("session not restored", metadata: ["error": "\(error)"])
                restored = nil
            }
            client.value.finishRestoring(in: namespace, auth: auth, restored: restored, bytes: bytes)
        }
    }

    /// The adapter answered a recovery: the socket starts, with its old session or as new. On
    /// the loop.
    private func finishRestoring(in namespace: Namespace, auth: SocketIOValue, restored: RecoveredSession?, bytes: Int) {
        self.restoring.remove(namespace.name)
        // A client that asked to recover and found no session (expired, or never here).
        if restored == nil { namespace.registry.metrics?.recoveryMisses.increment() }
        guard !self.closed else {
            // The connection went while the adapter looked: keep the session for the next try.
            if let restored { namespace.adapter.persistSession(restored.session) }
            return self.finished(bytes: bytes)
        }
        self.startSocket(in: namespace, auth: auth, restoring: restored, bytes: bytes)
    }

    private func startSocket(in namespace: Namespace, auth: SocketIOValue, restoring restored: RecoveredSession?, bytes: Int) {
        let request = self.engine.request
        let handshake = Handshake(
            auth: auth,
            headers: request.headers,
            address: request.remoteAddress?.ipAddress,
            url: request.uri,
            issued: WallClock.milliseconds(),
            secure: request.isSecure
        )
        let recovery = namespace.registry.connectionStateRecovery
        let socket = Socket(
            id: restored?.session.id ?? EngineIOServer.generateID(),
            // The private id: only with recovery on, as Node (never the public one).
            pid: restored?.session.pid ?? (recovery != nil ? EngineIOServer.generateID() : nil),
            namespace: namespace,
            handshake: handshake,
            engine: self.engine,
            restoring: restored
        )
        self.sockets[namespace.name] = socket
        let client = NIOLoopBound(self, eventLoop: self.engine.eventLoop)
        socket.startConnecting { client.value.finished(bytes: bytes) }
    }

    /// A socket's handlers finished an event (or a CONNECT) of `bytes`.
    private func finished(bytes: Int) {
        self.apply(self.backlog.finished(bytes: bytes))
    }

    /// A socket finished connecting: the connect timeout no longer applies.
    func socketDidConnect() {
        self.everConnected = true
        self.connectTimer?.cancel()
        self.connectTimer = nil
    }

    /// The server disconnects `socket` from its namespace.
    func remove(_ socket: Socket, reason: DisconnectReason) {
        if self.sockets[socket.namespace.name] === socket { self.sockets[socket.namespace.name] = nil }
        socket.markDisconnected(reason)
    }

    /// Middleware refused `socket`: drop it without disconnect handlers.
    func forget(_ socket: Socket) {
        if self.sockets[socket.namespace.name] === socket { self.sockets[socket.namespace.name] = nil }
    }

    func socket(_ socket: EngineIOSocket, didCloseWith reason: EngineIOCloseReason) {
        if self.registry.observesSessions { self.registry.notify(.closed(socket, reason)) }
        self.closed = true
        self.connectTimer?.cancel()
        self.connectTimer = nil
        self.decoder.reset()
        let sockets = self.sockets
        self.sockets = [:]
        for socket in sockets.values { socket.markDisconnected(DisconnectReason(reason)) }
    }

    private func apply(_ action: InboundBacklog.Action?) {
        switch action {
        case .pauseReading?:
            self.logger.debug("handlers behind; reading paused", metadata: ["events": "\(self.backlog.events)", "bytes": "\(self.backlog.bytes)"])
            self.engine.setApplicationBacklogged(true)
        case .resumeReading?:
            self.engine.setApplicationBacklogged(false)
        case nil:
            break
        }
    }

}

/// The engine application that gives each session a ``Client``.
struct SocketIOEngineApplication: EngineIOApplication {
    let registry: NamespaceRegistry
    let configuration: SocketIOConfiguration
    let logger: Logger

    func engineSocketDidOpen(_ socket: EngineIOSocket) -> any EngineIOSocketHandler {
        if self.registry.observesSessions { self.registry.notify(.opened(socket)) }
        return Client(engine: socket, registry: self.registry, configuration: self.configuration, logger: self.logger)
    }
}
