import Logging
import NIOCore
import SocketIO
import SocketIOProtocol
import Synchronization

/// One namespace's adapter in a cluster that speaks Node's `@socket.io/redis-streams-adapter`
/// 0.3.x: local membership in an ``InMemoryAdapter``; broadcasts, joins, leaves and disconnects
/// appended to the namespace's stream; `fetchSockets`, `serverSideEmit` and broadcasts with
/// acks published on the namespace's channel, and every answer on the asker's own channel, all
/// as socket.io-adapter's `ClusterAdapter` does.
///
/// With connection state recovery on, a broadcast is delivered here only once its `XADD` has
/// answered, with the entry's id as its offset, and sessions live in Redis, so a client that
/// drops from one server recovers on any other.
///
/// The membership methods come from ``/SocketIO/ClusterAdapter``, which forwards them to `local`.
final class RedisStreamsNamespaceAdapter: ClusterAdapter {
    let local: InMemoryAdapter
    let namespace: any LocalNamespace
    let node: StreamsNode
    let pending: PendingRequests
    /// The stream of this namespace (Node's `computeStreamName`).
    let streamName: String
    /// With recovery on, the sockets being recovered here. Behind a `Mutex`, not on a loop:
    /// deliveries come from the stream reader's task and the publisher's loop, joins from each
    /// socket's loop, and a delivery's choice of targets must not interleave with a join. Taken
    /// only with recovery on; each critical section is a few dictionary operations and one
    /// hand-over of frames to the sessions' loops, as the in-memory adapter's kept broadcasts.
    let recovering: Mutex<RecoveringSockets>

    init(namespace: any LocalNamespace, node: StreamsNode) {
        // Sessions and events are kept in Redis, not in memory.
        self.local = InMemoryAdapter(namespace: namespace, connectionStateRecovery: nil)
        self.namespace = namespace
        self.node = node
        self.pending = PendingRequests(eventLoop: node.eventLoopGroup.any())
        self.streamName = StreamsWire.streamName(
            for: namespace.name,
            name: node.configuration.streamName,
            count: node.configuration.streamCount
        )
        self.recovering = Mutex(RecoveringSockets(maxBytes: node.configuration.maxMissedBytes))
    }

    /// The channels this adapter listens on: the namespace's and its own (Node's).
    var channels: Set<String> {
        [self.node.publicChannel(self.namespace.name), self.node.privateChannel(self.namespace.name, uid: self.node.uid)]
    }

    private var recovery: ConnectionStateRecovery? { self.namespace.connectionStateRecovery }

    private func message(_ type: StreamsWire.MessageType, _ data: SocketIOValue? = nil) -> StreamsWire.Message {
        StreamsWire.Message(uid: self.node.uid, namespace: self.namespace.name, type: type, data: data)
    }

    // MARK: - Cluster operations

    func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) {
        if options.flags.local {
            // Node: a local broadcast is not published, so it has no offset either.
            return self.deliver(packet, options: options, offset: nil)
        }
        let entry = self.message(.broadcast, StreamsWire.broadcastData(packet, options: options))
        self.append(entry) { offset in self.deliver(packet, options: options, offset: offset) }
    }

    func broadcastWithAck(
        _ packet: SocketIOPacket,
        options: BroadcastOptions,
        onClientCount: @escaping @Sendable (Int) -> Void,
        onAck: @escaping @Sendable (SocketIOValue) -> Void
    ) {
        if !options.flags.local {
            let requestID = StreamsWire.makeUID()
            // Answers are taken for as long as the caller waits (Node: flags.timeout).
            self.pending.openAckStream(
                requestID,
                .init(onClientCount: onClientCount, onAck: onAck),
                for: options.flags.timeout ?? self.node.configuration.requestsTimeout
            )
            // Ephemeral: on pub/sub, not in the stream (Node's `isEphemeral`).
            let data = StreamsWire.broadcastData(packet, options: options, requestID: requestID)
            self.node.publish(self.node.publicChannel(self.namespace.name), self.message(.broadcast, data))
        }
        self.local.broadcastWithAck(packet, options: options, onClientCount: onClientCount, onAck: onAck)
    }

    func addSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        guard !options.flags.local else { return self.local.addSockets(options, rooms: rooms) }
        let data: SocketIOValue = ["opts": NodeAdapterWire.optionsObject(options, withFlags: true), "rooms": Self.array(rooms)]
        self.append(self.message(.socketsJoin, data)) { _ in self.local.addSockets(options, rooms: rooms) }
    }

    func delSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        guard !options.flags.local else { return self.local.delSockets(options, rooms: rooms) }
        let data: SocketIOValue = ["opts": NodeAdapterWire.optionsObject(options, withFlags: true), "rooms": Self.array(rooms)]
        self.append(self.message(.socketsLeave, data)) { _ in self.local.delSockets(options, rooms: rooms) }
    }

    func disconnectSockets(_ options: BroadcastOptions, close: Bool) {
        guard !options.flags.local else { return self.local.disconnectSockets(options, close: close) }
        let data: SocketIOValue = ["opts": NodeAdapterWire.optionsObject(options, withFlags: true), "close": .bool(close)]
        self.append(self.message(.disconnectSockets, data)) { _ in self.local.disconnectSockets(options, close: close) }
    }

    func fetchSockets(_ options: BroadcastOptions) async throws -> [SocketDetails] {
        var sockets = try await self.local.fetchSockets(options)
        guard !options.flags.local else { return sockets }
        let answers = try await self.ask(
            .fetchSockets,
            ["opts": NodeAdapterWire.optionsObject(options, withFlags: true)],
            operation: "fetchSockets",
            timeout: options.flags.timeout
        )
        for answer in answers {
            sockets += (answer["sockets"]?.arrayValue ?? []).compactMap(NodeAdapterWire.details(from:))
        }
        return sockets
    }

    func serverSideEmit(_ arguments: [SocketIOValue]) throws {
        self.node.publish(self.node.publicChannel(self.namespace.name), self.message(.serverSideEmit, ["packet": .array(arguments)]))
    }

    func serverSideEmitWithAck(_ arguments: [SocketIOValue], timeout: Duration) async throws -> [SocketIOValue] {
        let answers = try await self.ask(.serverSideEmit, ["packet": .array(arguments)], operation: "serverSideEmit", timeout: timeout)
        return answers.map { $0["packet"] ?? .null }
    }

    /// How many servers subscribe to this namespace's channel (Node 0.3.x: `PUBSUB NUMSUB`).
    func serverCount() async throws -> Int {
        do {
            return try await self.node.redis.numberOfSubscribers(self.node.publicChannel(self.namespace.name))
        } catch {
            throw AdapterError.unavailable("cannot count servers: \(error)")
        }
    }

    // MARK: - Writing to the stream

    /// Appends `message` to the stream; `then` runs locally with the entry's id. With
    /// connection state recovery on, it waits for the id, in order with the operations before
    /// it (Node awaits `publishAndReturnOffset`). Without, nothing needs the id: it runs now,
    /// and the `XADD` goes out without waiting.
    private func append(_ message: StreamsWire.Message, then: @escaping @Sendable (String?) -> Void) {
        let command = RedisStreamCommand.add(
            self.streamName,
            maxLength: self.node.configuration.maxLength,
            fields: StreamsWire.streamFields(message)
        )
        if self.recovery != nil {
            self.node.publisher.add(command, then: then)
        } else {
            self.node.publisher.add(command)
            then(nil)
        }
    }

    /// Delivers to this server's matching sockets, encoded once; with recovery on, an EVENT
    /// without an ack id and not volatile carries `offset` as its last argument (Node's
    /// `addOffsetIfNecessary`).
    private func deliver(_ packet: SocketIOPacket, options: BroadcastOptions, offset: String?) {
        guard self.recovery != nil else {
            let targets = self.local.sockets(matching: options)
            guard !targets.isEmpty else { return }
            self.namespace.deliver(self.namespace.encode(packet), to: targets, volatile: options.flags.volatile, compress: options.flags.compress)
            return
        }
        var packet = packet
        var replayable: (id: StreamID, data: [SocketIOValue])?
        if let offset, let id = StreamID(offset), packet.type == .event || packet.type == .binaryEvent, packet.id == nil,
            !options.flags.volatile, case .array(var data)? = packet.data
        {
            data.append(.string(offset))
            packet.data = .array(data)
            replayable = (id, data)
        }
        let frames = self.namespace.encode(packet)
        let overflowed = self.recovering.withLock { state -> [SocketID] in
            var targets = self.local.sockets(matching: options)
            var overflowed: [SocketID] = []
            if let replayable, !state.isEmpty {
                state.prune(now: .now)
                overflowed = state.deliver(replayable.data, offset: replayable.id, options: options)
                state.removeReplayed(from: &targets, offset: replayable.id)
            }
            if !targets.isEmpty { self.namespace.deliver(frames, to: targets, volatile: options.flags.volatile, compress: options.flags.compress) }
            return overflowed
        }
        self.logOverflow(overflowed)
    }

    private func logOverflow(_ overflowed: [SocketID]) {
        for id in overflowed {
            self.node.logger.warning(
                "a socket being recovered misses events: more than maxMissedBytes reached its rooms meanwhile",
                metadata: ["sio.sid": "\(id)", "sio.nsp": "\(self.namespace.name)"]
            )
        }
    }

    // MARK: - Asking other servers

    /// Publishes a request with a fresh id and waits for one answer per other server.
    private func ask(
        _ type: StreamsWire.MessageType,
        _ fields: SocketIOObject,
        operation: String,
        timeout: Duration?
    ) async throws -> [SocketIOValue] {
        let servers = try await self.serverCount()
        let requestID = StreamsWire.makeUID()
        var data = fields
        data["requestId"] = .string(requestID)
        let message = self.message(type, .object(data))
        return try await self.pending.wait(
            for: requestID,
            expected: servers - 1,
            timeout: timeout ?? self.node.configuration.requestsTimeout,
            operation: operation
        ) {
            self.node.publish(self.node.publicChannel(self.namespace.name), message)
        }
    }

    /// Answers node `requester` on its own channel (Node's `doPublishResponse`).
    private func respond(to requester: String?, _ type: StreamsWire.MessageType, _ data: SocketIOValue) {
        guard let requester else { return }
        self.node.publish(self.node.privateChannel(self.namespace.name, uid: requester), self.message(type, data))
    }

    private static func array(_ rooms: Set<Room>) -> SocketIOValue {
        .array(rooms.sorted().map(SocketIOValue.string))
    }

    // MARK: - From other servers

    /// A message on one of this namespace's channels.
    func receive(_ redisMessage: RedisMessage) {
        do {
            self.receive(try StreamsWire.message(fromPubSub: redisMessage.payload), offset: nil)
        } catch {
            self.node.logger.info(
                "ignoring a cluster message that does not decode",
                metadata: ["channel": "\(redisMessage.channel)", "error": "\(error)", "sio.nsp": "\(self.namespace.name)"]
            )
        }
    }

    /// A message from the stream (with its entry's id as `offset`) or from pub/sub, as Node's
    /// `ClusterAdapter.onMessage` takes it. Ours come back and are ignored; one whose data
    /// does not fit its type is logged and dropped.
    func receive(_ message: StreamsWire.Message, offset: String?, broadcast: StreamsWire.Broadcast? = nil) {
        guard message.uid != self.node.uid, message.namespace == self.namespace.name else { return }
        do throws(ClusterMessageError) {
            try self.handle(message, offset: offset, broadcast: broadcast)
        } catch {
            self.node.logger.info(
                "ignoring a cluster message that does not fit its type",
                metadata: ["type": "\(message.type)", "error": "\(error)", "sio.nsp": "\(self.namespace.name)"]
            )
        }
    }

    private func handle(_ message: StreamsWire.Message, offset: String?, broadcast: StreamsWire.Broadcast?) throws(ClusterMessageError) {
        let data = message.data ?? .null
        let options = data["opts"].map(NodeAdapterWire.options(from:)) ?? BroadcastOptions()
        let requestID = data["requestId"]?.stringValue
        switch message.knownType {
        case .broadcast:
            let decoded: StreamsWire.Broadcast
            if let broadcast {
                decoded = broadcast
            } else {
                decoded = try StreamsWire.broadcast(from: message.data, namespace: self.namespace.name)
            }
            let (packet, options, requestID) = decoded
            guard let requestID else { return self.deliver(packet, options: options, offset: offset) }
            let requester = message.uid
            self.local.broadcastWithAck(
                packet,
                options: options,
                onClientCount: { count in
                    // Node sends the count once; a recipient leaving changes nothing there.
                    guard count >= 0 else { return }
                    self.respond(to: requester, .broadcastClientCount, ["requestId": .string(requestID), "clientCount": .int(count)])
                },
                onAck: { answer in
                    self.respond(to: requester, .broadcastAck, ["requestId": .string(requestID), "packet": answer])
                }
            )
        case .socketsJoin:
            self.local.addSockets(options, rooms: Self.rooms(data["rooms"]))
        case .socketsLeave:
            self.local.delSockets(options, rooms: Self.rooms(data["rooms"]))
        case .disconnectSockets:
            self.local.disconnectSockets(options, close: data["close"]?.boolValue ?? false)
        case .fetchSockets:
            guard let requestID else { throw .missingField("requestId") }
            let details = self.namespace.details(of: self.local.sockets(matching: options))
            self.respond(
                to: message.uid,
                .fetchSocketsResponse,
                ["requestId": .string(requestID), "sockets": .array(details.map(NodeAdapterWire.detailsObject))]
            )
        case .serverSideEmit:
            guard let arguments = data["packet"]?.arrayValue else { throw .missingField("packet") }
            guard let requestID else { return self.namespace.receiveServerSideEmit(arguments, reply: nil) }
            let requester = message.uid
            self.namespace.receiveServerSideEmit(arguments) { answer in
                self.respond(to: requester, .serverSideEmitResponse, ["requestId": .string(requestID), "packet": answer])
            }
        case .fetchSocketsResponse:
            guard let requestID else { throw .missingField("requestId") }
            self.pending.answer(requestID, data)
        case .serverSideEmitResponse:
            guard let requestID else { throw .missingField("requestId") }
            self.pending.answer(requestID, ["packet": data["packet"] ?? .null])
        case .broadcastClientCount:
            guard let requestID, let count = data["clientCount"]?.intValue else { throw .missingField("clientCount") }
            self.pending.ackStream(requestID)?.onClientCount(count)
        case .broadcastAck:
            guard let requestID else { throw .missingField("requestId") }
            self.pending.ackStream(requestID)?.onAck(data["packet"] ?? .null)
        case .initialHeartbeat, .heartbeat, .adapterClose:
            // 0.2.x nodes (ClusterAdapterWithHeartbeat) send these in the stream; 0.3.x counts
            // servers with PUBSUB NUMSUB, and so do we.
            break
        case nil:
            throw .unknownType(message.type)
        }
    }

    private static func rooms(_ value: SocketIOValue?) -> Set<Room> {
        Set((value?.arrayValue ?? []).compactMap { $0.stringValue ?? $0.intValue.map(String.init) })
    }
}
