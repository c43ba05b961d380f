import EngineIOProtocol
import NIOCore
import SocketIO
import SocketIOProtocol
import Synchronization
import Testing

@Suite("In-memory adapter")
struct InMemoryAdapterTests {
    /// A namespace that records what its adapter asks of it.
    final class RecordingNamespace: LocalNamespace {
        let name = "/"
        let connectionStateRecovery: ConnectionStateRecovery?
        let parser: SocketIOParser
        let deliveries = Mutex<[(frames: [EngineIOFrame], targets: Set<SocketID>, volatile: Bool)]>([])
        let calls = Mutex<[String]>([])

        init(connectionStateRecovery: ConnectionStateRecovery? = nil, parser: SocketIOParser = .json) {
            self.connectionStateRecovery = connectionStateRecovery
            self.parser = parser
        }

        func deliver(_ frames: [EngineIOFrame], to sockets: Set<SocketID>, volatile: Bool) -> Int {
            self.deliveries.withLock { $0.append((frames, sockets, volatile)) }
            return sockets.count
        }
        func deliverWithAck(
            _ packet: SocketIOPacket,
            to sockets: Set<SocketID>,
            volatile: Bool,
            timeout: Duration?,
            onAck: @escaping @Sendable (SocketIOValue) -> Void,
            onGone: @escaping @Sendable () -> Void
        ) -> Int {
            for id in sockets.sorted() { onAck(.string(id)) }
            return sockets.count
        }
        func join(_ sockets: Set<SocketID>, rooms: Set<Room>) { self.record("join", sockets, rooms) }
        func leave(_ sockets: Set<SocketID>, rooms: Set<Room>) { self.record("leave", sockets, rooms) }
        func disconnect(_ sockets: Set<SocketID>, close: Bool) { self.record("disconnect \(close)", sockets, []) }
        func details(of sockets: Set<SocketID>) -> [SocketDetails] {
            sockets.sorted().map { SocketDetails(id: $0, handshake: [:], rooms: [$0], data: .null) }
        }
        func receiveServerSideEmit(_ arguments: [SocketIOValue], reply: (@Sendable (SocketIOValue) -> Void)?) {}

        private func record(_ what: String, _ sockets: Set<SocketID>, _ rooms: Set<Room>) {
            self.calls.withLock { $0.append("\(what) \(sockets.sorted()) \(rooms.sorted())") }
        }
    }

    @Test func broadcastIsEncodedOnceForAllRecipients() {
        let namespace = RecordingNamespace()
        let adapter = InMemoryAdapter(namespace: namespace)
        for id in ["a", "b", "c", "d"] { adapter.addAll(id, rooms: [id]) }
        adapter.addAll("a", rooms: ["r"])
        adapter.addAll("b", rooms: ["r", "x"])
        adapter.broadcast(.event("e", [.binary(.init(bytes: [1]))]), options: BroadcastOptions(rooms: ["r"]))
        let deliveries = namespace.deliveries.withLock { $0 }
        #expect(deliveries.count == 1)
        #expect(deliveries.first?.targets == ["a", "b"])
        #expect(deliveries.first?.frames.count == 2)  // header + attachment, shared by both targets
    }

    @Test func broadcastIsEncodedOnceInTheNamespacesWire() throws {
        // The seam every adapter goes through (`LocalNamespace.encode`): on a MessagePack server
        // the one encoding is one binary frame, the bytes inline.
        let namespace = RecordingNamespace(parser: .messagePack)
        let adapter = InMemoryAdapter(namespace: namespace)
        for id in ["a", "b"] { adapter.addAll(id, rooms: [id]) }
        let packet = SocketIOPacket.event("e", [.binary(.init(bytes: [1]))])
        adapter.broadcast(packet, options: BroadcastOptions())
        let deliveries = namespace.deliveries.withLock { $0 }
        #expect(deliveries.count == 1)
        #expect(deliveries.first?.targets == ["a", "b"])
        let frames = try #require(deliveries.first?.frames)
        #expect(frames == SocketIOParser.messagePack.encode(packet))
        guard case .binary(let bytes)? = frames.first, frames.count == 1 else {
            Issue.record("not one binary frame: \(frames)")
            return
        }
        var decoder = SocketIOPacketDecoder(parser: .messagePack)
        #expect(try decoder.decode(binary: bytes) == packet)
    }

    @Test func membershipRoomsAndExcept() {
        let adapter = InMemoryAdapter(namespace: RecordingNamespace())
        for id in ["a", "b", "c"] { adapter.addAll(id, rooms: [id]) }
        adapter.addAll("a", rooms: ["r1", "r2"])
        adapter.addAll("b", rooms: ["r1"])
        #expect(adapter.sockets(matching: BroadcastOptions()) == ["a", "b", "c"])
        #expect(adapter.sockets(matching: BroadcastOptions(rooms: ["r1"])) == ["a", "b"])
        #expect(adapter.sockets(matching: BroadcastOptions(rooms: ["r1"], except: ["r2"])) == ["b"])
        #expect(adapter.sockets(matching: BroadcastOptions(except: ["a"])) == ["b", "c"])
        adapter.del("a", room: "r1")
        #expect(adapter.rooms(of: "a") == ["a", "r2"])
        adapter.delAll("a")
        #expect(adapter.rooms(of: "a").isEmpty)
        #expect(adapter.allRooms() == ["b", "c", "r1"])
    }

    @Test func clusterOperationsActOnThisServersMatchingSockets() async throws {
        let namespace = RecordingNamespace()
        let adapter = InMemoryAdapter(namespace: namespace)
        for id in ["a", "b", "c"] { adapter.addAll(id, rooms: [id]) }
        adapter.addAll("a", rooms: ["r"])
        adapter.addAll("b", rooms: ["r"])
        adapter.addSockets(BroadcastOptions(rooms: ["r"]), rooms: ["s"])
        adapter.delSockets(BroadcastOptions(except: ["r"]), rooms: ["t"])
        adapter.disconnectSockets(BroadcastOptions(rooms: ["b"]), close: true)
        #expect(namespace.calls.withLock { $0 } == ["join [\"a\", \"b\"] [\"s\"]", "leave [\"c\"] [\"t\"]", "disconnect true [\"b\"] []"])
        #expect(try await adapter.fetchSockets(BroadcastOptions(rooms: ["r"])).map(\.id) == ["a", "b"])
        #expect(try await adapter.serverCount() == 1)
        #expect(throws: AdapterError.unsupported("serverSideEmit()")) { try adapter.serverSideEmit(["hello"]) }

        let counts = Mutex<[Int]>([])
        let acks = Mutex<[SocketIOValue]>([])
        adapter.broadcastWithAck(
            .event("vote", []),
            options: BroadcastOptions(rooms: ["r"]),
            onClientCount: { count in counts.withLock { $0.append(count) } },
            onAck: { value in acks.withLock { $0.append(value) } }
        )
        #expect(counts.withLock { $0 } == [2])
        #expect(acks.withLock { $0 } == ["a", "b"])
    }
}
