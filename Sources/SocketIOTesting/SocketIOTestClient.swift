import EngineIO
import EngineIOProtocol
import NIOCore
import NIOHTTP1
import NIOPosix
public import SocketIO
public import SocketIOProtocol
import Synchronization

/// An in-process Socket.IO client with no network, for testing a ``/SocketIO/SocketIOServer`` the way
/// Flask-SocketIO's `test_client` does. It goes through the real engine session, packets,
/// middleware, handlers, rooms and acks; only the socket is replaced. It speaks the server's
/// wire (``/SocketIO/SocketIOConfiguration/parser``): JSON, or MessagePack.
///
/// ```swift
/// @Test func chatAcks() async throws {
///     let io = SocketIOServer()
///     installChat(on: io)
///     let client = try await SocketIOTestClient.connect(to: io, auth: ["token": "secret"])
///     let receipt = try await client.emitWithAck("chat", ChatMessage(room: "r", text: "hi"), as: Receipt.self)
///     #expect(receipt.delivered)
///     let welcome = try await client.next("welcome")
///     await client.disconnect()
/// }
/// ```
public final class SocketIOTestClient: Sendable {
    /// One event the server sent.
    public struct ReceivedEvent: Sendable, Equatable {
        /// The event's name.
        public var name: String
        /// Its arguments.
        public var args: [SocketIOValue]
    }

    /// Why a connection failed.
    public enum ConnectionError: Error, Sendable, Equatable {
        /// The server answered CONNECT_ERROR (middleware, or an unknown namespace).
        case refused(message: String, data: SocketIOValue?)
        /// The server refused the session itself (draining, or at its session cap).
        case sessionRefused
        /// No answer in time.
        case timedOut
        /// The connection closed before the server answered the CONNECT (the server closed
        /// the session meanwhile, as it does to a client that fell a queue's length behind).
        case closed
    }

    /// Answers a server `emitWithAck`: the return value is the ack.
    public typealias AckHandler = @Sendable (_ args: [SocketIOValue]) async -> [SocketIOValue]

    private struct State {
        var decoder: SocketIOPacketDecoder
        var socketID: String?
        /// Connection state recovery, as the official client keeps it: the private session id
        /// of the CONNECT reply, and the last string argument of the events since.
        var pid: String?
        var lastOffset: String?
        var recovered = false
        var refusal: ConnectionError?
        var connected = false
        var closed = false
        var received: [ReceivedEvent] = []
        var unread = 0
        var nextAckID = 0
        var pendingAcks: [Int: CheckedContinuation<[SocketIOValue], any Error>] = [:]
        var ackHandlers: [String: AckHandler] = [:]
        /// Tasks waiting for the state to reach a condition (``waitUntil(timeout:_:)``).
        var waiters: [Waiter] = []
        var nextWaiterID = 0
    }

    /// A task waiting for a condition on the state: `poll` checks it after every change and,
    /// once it holds (or fails), returns what resumes the task.
    private struct Waiter {
        let id: Int
        let poll: @Sendable (inout State) -> (@Sendable () -> Void)?
        let fail: @Sendable (any Error) -> Void
    }

    /// The namespace this client joined, with its leading slash.
    public let namespace: String
    private let state: Mutex<State>
    private let connection = Mutex<(any TestTransport)?>(nil)
    private let parser: SocketIOParser

    private init(namespace: String, parser: SocketIOParser) {
        self.namespace = namespace
        self.parser = parser
        self.state = Mutex(State(decoder: SocketIOPacketDecoder(parser: parser)))
    }

    /// Connects to `namespace` of `io` with the CONNECT `auth` payload, request headers and
    /// query parameters (the socket's ``/SocketIO/Handshake``), in process or live
    /// (``TestTransportMode``): one test body can run both ways.
    ///
    /// - Parameters:
    ///   - io: the server.
    ///   - namespace: the namespace to join.
    ///   - auth: the CONNECT payload (Node's `auth`).
    ///   - headers: the request's headers.
    ///   - query: the request's query parameters.
    ///   - timeout: how long to wait for the server's answer.
    ///   - mode: in process (the default) or live over a loopback WebSocket.
    ///   - previous: a client whose connection dropped (``dropConnection()``): this one asks to
    ///     recover its session, as the official client does when it reconnects (its `pid` and
    ///     last offset go in the CONNECT payload); ``recovered`` tells whether it did.
    /// - Returns: the connected client.
    /// - Throws: ``ConnectionError/refused(message:data:)`` when the server refuses.
    public static func connect(
        to io: SocketIOServer,
        namespace: String = "/",
        auth: SocketIOValue? = nil,
        headers: [(String, String)] = [],
        query: [String: String] = [:],
        timeout: Duration = .seconds(5),
        over mode: TestTransportMode = .inProcess,
        recovering previous: SocketIOTestClient? = nil
    ) async throws -> SocketIOTestClient {
        let client = SocketIOTestClient(namespace: namespace.hasPrefix("/") ? namespace : "/" + namespace, parser: io.configuration.parser)
        var auth = auth
        if let previous, let (pid, offset) = previous.state.withLock({ state in state.pid.map { ($0, state.lastOffset) } }) {
            // The official client keeps its pid and last offset across reconnects, until a
            // newer event moves the offset on.
            client.state.withLock {
                $0.pid = pid
                $0.lastOffset = offset
            }
            var object = auth?.objectValue ?? SocketIOObject()
            object["pid"] = .string(pid)
            if let offset { object["offset"] = .string(offset) }
            auth = .object(object)
        }
        var uri = io.engine.path + "?EIO=4&transport=websocket"
        for (key, value) in query.sorted(by: { $0.key < $1.key }) { uri += "&\(key)=\(value)" }
        let request = EngineIORequest(
            method: .GET,
            uri: uri,
            headers: HTTPHeaders(headers),
            remoteAddress: try? SocketAddress(ipAddress: "127.0.0.1", port: 0)
        )
        let transport: any TestTransport
        switch mode {
        case .inProcess:
            let peer = InMemoryPeer(
                deliver: { [weak client] frame in client?.receive(frame) },
                closed: { [weak client] _ in client?.transportClosed() }
            )
            let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
            guard let connection = await io.engine.connectInMemory(request: request, eventLoop: eventLoop, peer: peer) else {
                throw ConnectionError.sessionRefused
            }
            transport = connection
        case .live:
            do {
                transport = try await LiveWebSocketTransport.connect(
                    engine: io.engine,
                    uri: uri,
                    headers: HTTPHeaders(headers),
                    deliver: { [weak client] frame in client?.receive(frame) },
                    closed: { [weak client] in client?.transportClosed() }
                )
            } catch {
                throw ConnectionError.sessionRefused
            }
        }
        client.connection.withLock { $0 = transport }
        var packet = SocketIOPacket(type: .connect, namespace: client.namespace)
        packet.data = auth
        client.send(packet)
        do {
            try await client.waitUntil(timeout: timeout) { state -> Bool? in
                if let refusal = state.refusal { throw refusal }
                if state.closed, !state.connected { throw ConnectionError.closed }
                return state.connected ? true : nil
            }
        } catch {
            // Refused or timed out: hang up, or the session would stay open until the
            // server's connect timeout.
            transport.close()
            throw error
        }
        return client
    }

    // MARK: - State

    /// Whether the socket is connected to its namespace.
    public var isConnected: Bool { self.state.withLock { $0.connected } }

    /// Whether the server recovered the session this client asked for (`recovering:`), as
    /// the official client's `socket.recovered`.
    public var recovered: Bool { self.state.withLock { $0.recovered } }

    /// The last offset received, which a reconnect presents to recover (the official
    /// client's `_lastOffset`); `nil` without connection state recovery.
    public var lastOffset: String? { self.state.withLock { $0.lastOffset } }

    /// Drops the connection without leaving the namespace, as a network failure does: the
    /// server sees the transport close and, with recovery on, keeps the session for a
    /// ``connect(to:namespace:auth:headers:query:timeout:over:recovering:)`` to recover.
    public func dropConnection() {
        self.connection.withLock { $0 }?.close()
        self.transportClosed()
    }

    /// The socket's id, as the server gave it.
    public var id: String? { self.state.withLock { $0.socketID } }

    /// Every event received so far, in order.
    public var receivedEvents: [ReceivedEvent] { self.state.withLock { $0.received } }

    /// The events received since the last call (Flask-SocketIO's `get_received`).
    public func getReceived() -> [ReceivedEvent] {
        self.state.withLock { state in
            let fresh = Array(state.received.suffix(state.unread))
            state.unread = 0
            return fresh
        }
    }

    /// Waits for the next received event (named `name`, if given) that has not been returned
    /// by ``next(_:timeout:)`` or ``getReceived()`` yet.
    public func next(_ name: String? = nil, timeout: Duration = .seconds(5)) async throws -> ReceivedEvent {
        try await self.waitUntil(timeout: timeout) { state -> ReceivedEvent? in
            let start = state.received.count - state.unread
            for index in start..<state.received.count where name == nil || state.received[index].name == name {
                // Everything up to the match counts as read.
                state.unread = state.received.count - index - 1
                return state.received[index]
            }
            return nil
        }
    }

    /// Waits until the server has disconnected this socket from its namespace, or closed the
    /// connection.
    public func waitUntilDisconnected(timeout: Duration = .seconds(5)) async throws {
        try await self.waitUntil(timeout: timeout) { state -> Bool? in state.connected ? nil : true }
    }

    /// Answers the server's `emitWithAck` of `event` with `handler`'s return value.
    public func onAck(_ event: String, _ handler: @escaping AckHandler) {
        self.state.withLock { $0.ackHandlers[event] = handler }
    }

    // MARK: - Emitting

    /// Sends an event.
    public func emit(_ event: String, _ args: SocketIOValue...) {
        self.send(.event(event, args, namespace: self.namespace))
    }

    /// Sends an event with `Encodable` arguments (`[UInt8]` and `ByteBuffer` go as binary).
    ///
    /// ```swift
    /// try client.emit("move", 3, 4)
    /// ```
    @_disfavoredOverload
    public func emit<each T: Encodable & Sendable>(_ event: String, _ values: repeat each T) throws {
        self.send(.event(event, try SocketIOValueEncoder().encodeArguments(repeat each values), namespace: self.namespace))
    }

    /// Sends an event and waits for the server's ack.
    public func emitWithAck(_ event: String, _ args: SocketIOValue..., timeout: Duration = .seconds(5)) async throws -> [SocketIOValue] {
        try await self.emitWithAck(event, arguments: args, timeout: timeout)
    }

    /// Sends an event with `Encodable` arguments and decodes the first ack argument as `R`.
    ///
    /// ```swift
    /// let receipt = try await client.emitWithAck("chat", message, as: Receipt.self)
    /// ```
    @_disfavoredOverload
    public func emitWithAck<each T: Encodable & Sendable, R: Decodable>(
        _ event: String,
        _ values: repeat each T,
        as type: R.Type,
        timeout: Duration = .seconds(5)
    ) async throws -> R {
        let arguments = try SocketIOValueEncoder().encodeArguments(repeat each values)
        let reply = try await self.emitWithAck(event, arguments: arguments, timeout: timeout)
        return try SocketIOValueDecoder().decode(type, from: reply.first ?? .null)
    }

    /// Sends an event and waits for the server's ack.
    public func emitWithAck(_ event: String, arguments: [SocketIOValue], timeout: Duration = .seconds(5)) async throws -> [SocketIOValue] {
        let id = self.state.withLock { state -> Int in
            defer { state.nextAckID += 1 }
            return state.nextAckID
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.failAck(id, AckError.timeout)
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let open = self.state.withLock { state -> Bool in
                guard state.connected else { return false }
                state.pendingAcks[id] = continuation
                return true
            }
            guard open else {
                continuation.resume(throwing: AckError.disconnected)
                return
            }
            self.send(.event(event, arguments, namespace: self.namespace, id: id))
        }
    }

    /// Leaves the namespace and closes the connection.
    public func disconnect() async {
        if self.isConnected { self.send(SocketIOPacket(type: .disconnect, namespace: self.namespace)) }
        self.connection.withLock { $0 }?.close()
        self.transportClosed()
    }

    // MARK: - Plumbing

    private func send(_ packet: SocketIOPacket) {
        guard let connection = self.connection.withLock({ $0 }) else { return }
        for frame in self.parser.encode(packet) { connection.send(frame) }
    }

    private func failAck(_ id: Int, _ error: any Error) {
        self.state.withLock { $0.pendingAcks.removeValue(forKey: id) }?.resume(throwing: error)
    }

    private func transportClosed() {
        let pending = self.state.withLock { state -> [CheckedContinuation<[SocketIOValue], any Error>] in
            state.connected = false
            state.closed = true
            defer { state.pendingAcks = [:] }
            return Array(state.pendingAcks.values)
        }
        for continuation in pending { continuation.resume(throwing: AckError.disconnected) }
        self.wakeWaiters()
    }

    /// A frame from the server (on the session's event loop).
    private func receive(_ frame: EngineIOFrame) {
        // A dropped connection hears nothing more, as after a real network failure (frames
        // already on their way must not count as received).
        guard !self.state.withLock({ $0.closed }) else { return }
        let packet: EngineIOPacket
        do { packet = try EngineIOPacket(frame: frame) } catch { return }
        switch packet.type {
        case .ping:
            self.connection.withLock { $0 }?.send(.pong)
        case .message:
            let decoded: SocketIOPacket?
            do {
                decoded = try self.state.withLock { state throws(SocketIOProtocolError) in
                    switch packet.payload {
                    case .text(let text): return try state.decoder.decode(text: text)
                    case .binary(let bytes): return try state.decoder.decode(binary: bytes)
                    case .none: return nil
                    }
                }
            } catch {
                return
            }
            if let decoded, decoded.namespace == self.namespace { self.handle(decoded) }
        case .close:
            self.transportClosed()
        default:
            break
        }
    }

    private func handle(_ packet: SocketIOPacket) {
        defer { self.wakeWaiters() }
        switch packet.type {
        case .connect:
            self.state.withLock { state in
                state.connected = true
                state.socketID = packet.data?["sid"]?.stringValue
                let pid = packet.data?["pid"]?.stringValue
                state.recovered = pid != nil && pid == state.pid
                state.pid = pid
            }
        case .connectError:
            let message = packet.data?["message"]?.stringValue ?? packet.data?.stringValue ?? ""
            self.state.withLock { $0.refusal = .refused(message: message, data: packet.data?["data"]) }
        case .disconnect:
            self.state.withLock { $0.connected = false }
        case .event, .binaryEvent:
            guard let name = packet.eventName else { return }
            let args = packet.arguments
            let handler = self.state.withLock { state -> AckHandler? in
                // Checked again under the lock that `dropConnection()` takes: an event decoded
                // while the connection dropped must not count, or the test's copy of what it
                // got before the drop would miss an event whose offset the client then presents.
                guard !state.closed else { return nil }
                state.received.append(ReceivedEvent(name: name, args: args))
                state.unread += 1
                // The official client's rule: with a session, the last string argument.
                if state.pid != nil, case .string(let offset)? = args.last { state.lastOffset = offset }
                return state.ackHandlers[name]
            }
            if let id = packet.id, let handler {
                Task {
                    let reply = await handler(args)
                    self.send(.ack(reply, namespace: self.namespace, id: id))
                }
            }
        case .ack, .binaryAck:
            guard let id = packet.id else { return }
            self.state.withLock { $0.pendingAcks.removeValue(forKey: id) }?.resume(returning: packet.arguments)
        }
    }

    /// Waits until `check` returns a value (or throws), at most `timeout`. No polling: `check`
    /// runs now and again after every change of the state (``wakeWaiters()``); a timer ends the
    /// wait with ``ConnectionError/timedOut``, and cancelling the task ends it at once.
    private func waitUntil<T: Sendable>(
        timeout: Duration,
        _ check: @escaping @Sendable (inout State) throws -> T?
    ) async throws -> T {
        let id = self.state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.failWaiter(id, with: ConnectionError.timedOut)
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let poll: @Sendable (inout State) -> (@Sendable () -> Void)? = { state in
                    do {
                        guard let value = try check(&state) else { return nil }
                        return { continuation.resume(returning: value) }
                    } catch {
                        return { continuation.resume(throwing: error) }
                    }
                }
                let resume = self.state.withLock { state -> (@Sendable () -> Void)? in
                    if let resume = poll(&state) { return resume }
                    state.waiters.append(Waiter(id: id, poll: poll, fail: { continuation.resume(throwing: $0) }))
                    return nil
                }
                resume?()
                // Cancelled before the waiter was registered: the handler below found nothing.
                if Task.isCancelled { self.failWaiter(id, with: CancellationError()) }
            }
        } onCancel: {
            self.failWaiter(id, with: CancellationError())
        }
    }

    /// The state changed: resume the waiters whose condition now holds.
    private func wakeWaiters() {
        let ready = self.state.withLock { state -> [@Sendable () -> Void] in
            var ready: [@Sendable () -> Void] = []
            var waiting: [Waiter] = []
            for waiter in state.waiters {
                if let resume = waiter.poll(&state) { ready.append(resume) } else { waiting.append(waiter) }
            }
            state.waiters = waiting
            return ready
        }
        for resume in ready { resume() }
    }

    /// Ends one wait with `error` (its timeout, or its task was cancelled), if it still waits.
    private func failWaiter(_ id: Int, with error: any Error) {
        let waiter = self.state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.fail(error)
    }
}
