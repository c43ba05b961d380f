import Logging
import NIOCore
import SocketIO
import SocketIOProtocol

/// One namespace's adapter in a cluster that speaks Node's classic redis-adapter protocol: local
/// membership in an ``InMemoryAdapter``, everything cluster-wide also published to the other
/// servers, and every request type a Node node may send answered, so that its
/// `fetchSockets()`, `allRooms()` and `serverSideEmitWithAck()` never wait for us in vain.
///
/// The membership methods come from ``/SocketIO/ClusterAdapter``, which forwards them to `local`.
final class RedisNamespaceAdapter: ClusterAdapter {
    let local: InMemoryAdapter
    let namespace: any LocalNamespace
    let channels: NodeAdapterWire.Channels
    let cluster: ClusterContext
    let pending: PendingRequests

    init(namespace: any LocalNamespace, cluster: ClusterContext) {
        self.local = InMemoryAdapter(namespace: namespace)
        self.namespace = namespace
        self.cluster = cluster
        self.channels = NodeAdapterWire.Channels(key: cluster.configuration.key, namespace: namespace.name)
        self.pending = PendingRequests(eventLoop: cluster.eventLoopGroup.any())
    }

    /// The channels this adapter listens on (Node's: one pattern, the request channel, both
    /// response channels).
    var subscriptions: (patterns: [String], channels: [String]) {
        ([self.channels.broadcastPattern], [self.channels.request, self.channels.response, self.channels.response(for: self.cluster.uid)])
    }

    // MARK: - Cluster operations

    func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) {
        if !options.flags.local {
            let payload = NodeAdapterWire.encodeBroadcast(uid: self.cluster.uid, packet: packet, options: options)
            self.cluster.publish(self.channels.channel(for: options), payload)
            self.cluster.pythonQueue?.publishEmit(packet, options: options)
        }
        self.local.broadcast(packet, options: options)
    }

    func broadcastWithAck(
        _ packet: SocketIOPacket,
        options: BroadcastOptions,
        onClientCount: @escaping @Sendable (Int) -> Void,
        onAck: @escaping @Sendable (SocketIOValue) -> Void
    ) {
        if !options.flags.local {
            let requestID = NodeAdapterWire.makeUID()
            // Answers are taken for as long as the caller waits (Node: flags.timeout).
            self.pending.openAckStream(
                requestID,
                .init(onClientCount: onClientCount, onAck: onAck),
                for: options.flags.timeout ?? self.cluster.configuration.requestsTimeout
            )
            let request: SocketIOValue = [
                "uid": .string(self.cluster.uid), "requestId": .string(requestID), "type": .int(NodeAdapterWire.RequestType.broadcast.rawValue),
                "packet": NodeAdapterWire.packetObject(packet), "opts": NodeAdapterWire.optionsObject(options, withFlags: true),
            ]
            self.cluster.publish(self.channels.request, NodeAdapterWire.msgpack(request))
        }
        self.local.broadcastWithAck(packet, options: options, onClientCount: onClientCount, onAck: onAck)
    }

    func addSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        self.local.addSockets(options, rooms: rooms)
        guard !options.flags.local else { return }
        self.publishRequest(.remoteJoin, ["opts": NodeAdapterWire.optionsObject(options), "rooms": .array(rooms.sorted().map(SocketIOValue.string))])
    }

    func delSockets(_ options: BroadcastOptions, rooms: Set<Room>) {
        self.local.delSockets(options, rooms: rooms)
        guard !options.flags.local else { return }
        self.publishRequest(
            .remoteLeave,
            ["opts": NodeAdapterWire.optionsObject(options), "rooms": .array(rooms.sorted().map(SocketIOValue.string))]
        )
    }

    func disconnectSockets(_ options: BroadcastOptions, close: Bool) {
        self.local.disconnectSockets(options, close: close)
        guard !options.flags.local else { return }
        self.publishRequest(.remoteDisconnect, ["opts": NodeAdapterWire.optionsObject(options), "close": .bool(close)])
    }

    func fetchSockets(_ options: BroadcastOptions) async throws -> [SocketDetails] {
        var sockets = try await self.local.fetchSockets(options)
        guard !options.flags.local else { return sockets }
        let answers = try await self.ask(.remoteFetch, ["opts": NodeAdapterWire.optionsObject(options)], operation: "fetchSockets")
        for answer in answers {
            sockets += (answer["sockets"]?.arrayValue ?? []).compactMap(NodeAdapterWire.details(from:))
        }
        return sockets
    }

    func serverSideEmit(_ arguments: [SocketIOValue]) throws {
        self.publishRequest(.serverSideEmit, ["data": .array(arguments)])
    }

    func serverSideEmitWithAck(_ arguments: [SocketIOValue], timeout: Duration) async throws -> [SocketIOValue] {
        let answers = try await self.ask(.serverSideEmit, ["data": .array(arguments)], operation: "serverSideEmit", timeout: timeout)
        return answers.map { $0["data"] ?? .null }
    }

    func serverCount() async throws -> Int {
        do {
            return try await self.cluster.pubsub.numberOfSubscribers(self.channels.request)
        } catch {
            throw AdapterError.unavailable("cannot count servers: \(error)")
        }
    }

    // MARK: - Asking other servers

    /// Publishes a request with a fresh id and waits for one answer per other server.
    private func ask(
        _ type: NodeAdapterWire.RequestType,
        _ fields: SocketIOObject,
        operation: String,
        timeout: Duration? = nil
    ) async throws -> [SocketIOValue] {
        let servers = try await self.serverCount()
        let requestID = NodeAdapterWire.makeUID()
        var request = fields
        request["uid"] = .string(self.cluster.uid)
        request["requestId"] = .string(requestID)
        request["type"] = .int(type.rawValue)
        let payload = NodeAdapterWire.json(.object(request))
        return try await self.pending.wait(
            for: requestID,
            expected: servers - 1,
            timeout: timeout ?? self.cluster.configuration.requestsTimeout,
            operation: operation
        ) {
            self.cluster.publish(self.channels.request, payload)
        }
    }

    /// A request nobody answers (joins, leaves, disconnects, server-side emits without ack).
    private func publishRequest(_ type: NodeAdapterWire.RequestType, _ fields: SocketIOObject) {
        var request = fields
        request["uid"] = .string(self.cluster.uid)
        request["type"] = .int(type.rawValue)
        self.cluster.publish(self.channels.request, NodeAdapterWire.json(.object(request)))
    }

    // MARK: - From other servers

    /// A message on one of this namespace's channels. One that does not decode is logged and
    /// dropped: anyone who can publish on Redis can send it.
    func receive(_ message: RedisMessage) {
        do throws(ClusterMessageError) {
            if message.channel == self.channels.request {
                try self.handle(NodeAdapterWire.decodeRequest(message.payload))
            } else if message.channel == self.channels.response || message.channel == self.channels.response(for: self.cluster.uid) {
                try self.handle(NodeAdapterWire.decodeResponse(message.payload))
            } else {
                try self.handleBroadcast(message)
            }
        } catch {
            self.cluster.logger.info(
                "ignoring a cluster message that does not decode",
                metadata: ["channel": "\(message.channel)", "error": "\(error)", "sio.nsp": "\(self.namespace.name)"]
            )
        }
    }

    private func handleBroadcast(_ message: RedisMessage) throws(ClusterMessageError) {
        // A room broadcast for a room with no member here is dropped before decoding (Node).
        if let room = self.channels.room(ofChannel: message.channel), self.local.sockets(matching: BroadcastOptions(rooms: [room])).isEmpty {
            return
        }
        let (uid, packet, options) = try NodeAdapterWire.decodeBroadcast(message.payload, namespace: self.namespace.name)
        guard uid != self.cluster.uid else { return }
        self.local.broadcast(packet, options: options)
    }

    private func handle(_ request: NodeAdapterWire.Request) throws(ClusterMessageError) {
        // Our own requests come back to us too.
        if request.uid == self.cluster.uid { return }
        let body = request.body
        let requestID = request.requestID
        let options = request.options ?? BroadcastOptions()
        switch request.type {
        case .sockets:
            let rooms = Set((body["rooms"]?.arrayValue ?? []).compactMap(\.stringValue))
            let ids = self.local.sockets(matching: BroadcastOptions(rooms: rooms))
            self.respond(["requestId": .string(requestID ?? ""), "sockets": .array(ids.sorted().map(SocketIOValue.string))])
        case .allRooms:
            self.respond(["requestId": .string(requestID ?? ""), "rooms": .array(self.local.allRooms().sorted().map(SocketIOValue.string))])
        case .remoteJoin, .remoteLeave:
            let join = request.type == .remoteJoin
            if request.options != nil {
                let rooms = Set((body["rooms"]?.arrayValue ?? []).compactMap(\.stringValue))
                if join { self.local.addSockets(options, rooms: rooms) } else { self.local.delSockets(options, rooms: rooms) }
            } else if let sid = body["sid"]?.stringValue, let room = body["room"]?.stringValue {
                // The legacy form: one socket, answered by the node that has it.
                guard !self.local.sockets(matching: BroadcastOptions(rooms: [sid])).isEmpty else { return }
                if join {
                    self.local.addSockets(BroadcastOptions(rooms: [sid]), rooms: [room])
                } else {
                    self.local.delSockets(BroadcastOptions(rooms: [sid]), rooms: [room])
                }
                if let requestID { self.respond(["requestId": .string(requestID)]) }
            }
        case .remoteDisconnect:
            if request.options != nil {
                self.local.disconnectSockets(options, close: body["close"]?.boolValue ?? false)
            } else if let sid = body["sid"]?.stringValue {
                guard !self.local.sockets(matching: BroadcastOptions(rooms: [sid])).isEmpty else { return }
                self.local.disconnectSockets(BroadcastOptions(rooms: [sid]), close: body["close"]?.boolValue ?? false)
                if let requestID { self.respond(["requestId": .string(requestID)]) }
            }
        case .remoteFetch:
            let details = self.namespace.details(of: self.local.sockets(matching: options))
            self.respond(["requestId": .string(requestID ?? ""), "sockets": .array(details.map(NodeAdapterWire.detailsObject))])
        case .serverSideEmit:
            let arguments = body["data"]?.arrayValue ?? []
            guard let requestID else {
                self.namespace.receiveServerSideEmit(arguments, reply: nil)
                return
            }
            // Server-side acks always go to the shared response channel (Node).
            let cluster = self.cluster
            let channel = self.channels.response
            self.namespace.receiveServerSideEmit(arguments) { answer in
                cluster.publish(channel, NodeAdapterWire.encodeResponse(.serverSideEmit, requestID: requestID, ["data": answer]))
            }
        case .broadcast:
            guard let requestID else { throw .missingField("requestId") }
            guard let packetObject = body["packet"], let packet = NodeAdapterWire.packet(from: packetObject, namespace: self.namespace.name)
            else { throw .missingField("packet") }
            let cluster = self.cluster
            let channel = self.channels.response
            self.local.broadcastWithAck(
                packet,
                options: options,
                onClientCount: { count in
                    // Node sends the count once; a recipient leaving changes nothing there.
                    guard count >= 0 else { return }
                    cluster.publish(
                        channel,
                        NodeAdapterWire.encodeResponse(.broadcastClientCount, requestID: requestID, ["clientCount": .int(count)])
                    )
                },
                onAck: { answer in
                    cluster.publish(channel, NodeAdapterWire.encodeResponse(.broadcastAck, requestID: requestID, ["packet": answer]))
                }
            )
        case .broadcastClientCount, .broadcastAck:
            break  // responses, not requests
        }
    }

    private func handle(_ response: NodeAdapterWire.Response) {
        switch response {
        case .broadcastClientCount(let requestID, let count):
            self.pending.ackStream(requestID)?.onClientCount(count)
        case .broadcastAck(let requestID, let answer):
            self.pending.ackStream(requestID)?.onAck(answer)
        case .answer(let requestID, let answer):
            self.pending.answer(requestID, answer)
        }
    }

    /// Our answers go to the shared response channel (Node's `publishOnSpecificResponseChannel`
    /// is off by default, and Node requesters listen there).
    private func respond(_ response: SocketIOValue) {
        self.cluster.publish(self.channels.response, NodeAdapterWire.json(response))
    }
}
