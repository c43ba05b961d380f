import Logging
import NIOCore
import SocketIO
import SocketIOProtocol

/// One namespace's adapter in a cluster that speaks Node's classic redis-adapter protocol: local
/// membership in an ``InMemoryAdapter``, everything cluster-wide also published to the other
/// servers, and every request type a Node node may send answered, so that its
/// `fetchSockets()`, `allRooms()` and `serverSideEmitWithAck()` never wait for us in vain.
final class RedisNamespaceAdapter: SocketIOAdapter {
    let local: InMemoryAdapter
    let namespace: any LocalNamespace
    let channels: NodeAdapterWire.Channels
    let cluster: ClusterContext
    let pending = PendingRequests()

    init(namespace: any LocalNamespace, cluster: ClusterContext) {
        self.local = InMemoryAdapter(namespace: namespace)
        self.namespace = namespace
        self.cluster = cluster
        self.channels = NodeAdapterWire.Channels(key: cluster.configuration.key, namespace: namespace.name)
    }

    /// The channels this adapter listens on (Node's: one pattern, the request channel, both
    /// response channels).
    var subscriptions: (patterns: [String], channels: [String]) {
        ([self.channels.broadcastPattern], [self.channels.request, self.channels.response, self.channels.response(for: self.cluster.uid)])
    }

    // MARK: - Local membership

    func addAll(_ id: SocketID, rooms: Set<Room>) { self.local.addAll(id, rooms: rooms) }
    func del(_ id: SocketID, room: Room) { self.local.del(id, room: room) }
    func delAll(_ id: SocketID) { self.local.delAll(id) }
    func rooms(of id: SocketID) -> Set<Room> { self.local.rooms(of: id) }
    func sockets(matching options: BroadcastOptions) -> Set<SocketID> { self.local.sockets(matching: options) }
    func allRooms() -> Set<Room> { self.local.allRooms() }

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
        _ packet: SocketIOPacket, options: BroadcastOptions,
        onClientCount: @escaping @Sendable (Int) -> Void, onAck: @escaping @Sendable (SocketIOValue) -> Void
    ) {
        if !options.flags.local {
            let requestID = NodeAdapterWire.makeUID()
            // Answers are taken for as long as the caller waits (Node: flags.timeout).
            self.pending.openAckStream(
                requestID, .init(onClientCount: onClientCount, onAck: onAck), for: options.flags.timeout ?? self.cluster.configuration.requestsTimeout)
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
        self.publishRequest(.remoteLeave, ["opts": NodeAdapterWire.optionsObject(options), "rooms": .array(rooms.sorted().map(SocketIOValue.string))])
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
        _ type: NodeAdapterWire.RequestType, _ fields: SocketIOObject, operation: String, timeout: Duration? = nil
    ) async throws -> [SocketIOValue] {
        let servers = try await self.serverCount()
        let requestID = NodeAdapterWire.makeUID()
        var request = fields
        request["uid"] = .string(self.cluster.uid)
        request["requestId"] = .string(requestID)
        request["type"] = .int(type.rawValue)
        let payload = NodeAdapterWire.json(.object(request))
        return try await self.pending.wait(
            for: requestID, expected: servers - 1, timeout: timeout ?? self.cluster.configuration.requestsTimeout, operation: operation
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

    /// A message on one of this namespace's channels.
    func receive(_ message: RedisMessage) {
        do {
            if message.channel == self.channels.request {
                try self.handleRequest(NodeAdapterWire.decodeRequest(message.payload))
            } else if message.channel == self.channels.response || message.channel == self.channels.response(for: self.cluster.uid) {
                try self.handleResponse(NodeAdapterWire.decodeRequest(message.payload))
            } else {
                try self.handleBroadcast(message)
            }
        } catch {
            self.cluster.logger.info(
                "ignoring a cluster message that does not decode",
                metadata: ["channel": "\(message.channel)", "error": "\(error)", "sio.nsp": "\(self.namespace.name)"])
        }
    }

    private func handleBroadcast(_ message: RedisMessage) throws {
        // A room broadcast for a room with no member here is dropped before decoding (Node).
        if let room = self.channels.room(ofChannel: message.channel), self.local.sockets(matching: BroadcastOptions(rooms: [room])).isEmpty {
            return
        }
        let (uid, packet, options) = try NodeAdapterWire.decodeBroadcast(message.payload, namespace: self.namespace.name)
        guard uid != self.cluster.uid else { return }
        self.local.broadcast(packet, options: options)
    }

    private func handleRequest(_ request: SocketIOValue) throws {
        guard let typeNumber = request["type"]?.intValue, let type = NodeAdapterWire.RequestType(rawValue: typeNumber) else { return }
        // Our own requests come back to us too.
        if let uid = request["uid"]?.stringValue, uid == self.cluster.uid { return }
        let requestID = request["requestId"]?.stringValue
        let options = NodeAdapterWire.options(from: request["opts"] ?? [:])
        switch type {
        case .sockets:
            let rooms = Set((request["rooms"]?.arrayValue ?? []).compactMap(\.stringValue))
            let ids = self.local.sockets(matching: BroadcastOptions(rooms: rooms))
            self.respond(["requestId": .string(requestID ?? ""), "sockets": .array(ids.sorted().map(SocketIOValue.string))])
        case .allRooms:
            self.respond(["requestId": .string(requestID ?? ""), "rooms": .array(self.local.allRooms().sorted().map(SocketIOValue.string))])
        case .remoteJoin, .remoteLeave:
            let join = type == .remoteJoin
            if request["opts"] != nil {
                let rooms = Set((request["rooms"]?.arrayValue ?? []).compactMap(\.stringValue))
                if join { self.local.addSockets(options, rooms: rooms) } else { self.local.delSockets(options, rooms: rooms) }
            } else if let sid = request["sid"]?.stringValue, let room = request["room"]?.stringValue {
                // The legacy form: one socket, answered by the node that has it.
                guard !self.local.sockets(matching: BroadcastOptions(rooms: [sid])).isEmpty else { return }
                if join { self.local.addSockets(BroadcastOptions(rooms: [sid]), rooms: [room]) } else { self.local.delSockets(BroadcastOptions(rooms: [sid]), rooms: [room]) }
                if let requestID { self.respond(["requestId": .string(requestID)]) }
            }
        case .remoteDisconnect:
            if request["opts"] != nil {
                self.local.disconnectSockets(options, close: request["close"]?.boolValue ?? false)
            } else if let sid = request["sid"]?.stringValue {
                guard !self.local.sockets(matching: BroadcastOptions(rooms: [sid])).isEmpty else { return }
                self.local.disconnectSockets(BroadcastOptions(rooms: [sid]), close: request["close"]?.boolValue ?? false)
                if let requestID { self.respond(["requestId": .string(requestID)]) }
            }
        case .remoteFetch:
            let details = self.namespace.details(of: self.local.sockets(matching: options))
            self.respond(["requestId": .string(requestID ?? ""), "sockets": .array(details.map(NodeAdapterWire.detailsObject))])
        case .serverSideEmit:
            let arguments = request["data"]?.arrayValue ?? []
            guard let requestID else {
                self.namespace.receiveServerSideEmit(arguments, reply: nil)
                return
            }
            // Server-side acks always go to the shared response channel (Node).
            let cluster = self.cluster
            let channel = self.channels.response
            self.namespace.receiveServerSideEmit(arguments) { answer in
                cluster.publish(channel, NodeAdapterWire.json(["type": 6, "requestId": .string(requestID), "data": answer]))
            }
        case .broadcast:
            guard let requestID, let packetObject = request["packet"],
                let packet = NodeAdapterWire.packet(from: packetObject, namespace: self.namespace.name)
            else { return }
            let cluster = self.cluster
            let channel = self.channels.response
            self.local.broadcastWithAck(
                packet, options: options,
                onClientCount: { count in
                    // Node sends the count once; a recipient leaving changes nothing there.
                    guard count >= 0 else { return }
                    cluster.publish(channel, NodeAdapterWire.json(["type": 8, "requestId": .string(requestID), "clientCount": .int(count)]))
                },
                onAck: { answer in
                    cluster.publish(channel, NodeAdapterWire.msgpack(["type": 9, "requestId": .string(requestID), "packet": answer]))
                })
        case .broadcastClientCount, .broadcastAck:
            break  // responses, not requests
        }
    }

    private func handleResponse(_ response: SocketIOValue) throws {
        guard let requestID = response["requestId"]?.stringValue else { return }
        switch response["type"]?.intValue {
        case NodeAdapterWire.RequestType.broadcastClientCount.rawValue:
            if let count = response["clientCount"]?.intValue { self.pending.ackStream(requestID)?.onClientCount(count) }
        case NodeAdapterWire.RequestType.broadcastAck.rawValue:
            self.pending.ackStream(requestID)?.onAck(response["packet"] ?? .null)
        default:
            self.pending.answer(requestID, response)
        }
    }

    /// Our answers go to the shared response channel (Node's `publishOnSpecificResponseChannel`
    /// is off by default, and Node requesters listen there).
    private func respond(_ response: SocketIOValue) {
        self.cluster.publish(self.channels.response, NodeAdapterWire.json(response))
    }
}
