import EngineIOProtocol
import NIOCore
import SocketIO
import SocketIOProtocol
import Synchronization
import Testing

@Suite("In-memory adapter")
struct InMemoryAdapterTests {
    final class RecordingEmitter: LocalSocketEmitter {
        let calls = Mutex<[(frames: [EngineIOFrame], targets: Set<SocketID>, volatile: Bool)]>([])
        func deliver(_ frames: [EngineIOFrame], to sockets: Set<SocketID>, volatile: Bool) -> Int {
            self.calls.withLock { $0.append((frames, sockets, volatile)) }
            return sockets.count
        }
    }

    @Test func broadcastIsEncodedOnceForAllRecipients() {
        let emitter = RecordingEmitter()
        let adapter = InMemoryAdapter(emitter: emitter)
        for id in ["a", "b", "c", "d"] { adapter.addAll(id, rooms: [id]) }
        adapter.addAll("a", rooms: ["r"])
        adapter.addAll("b", rooms: ["r", "x"])
        adapter.broadcast(.event("e", [.binary(.init(bytes: [1]))]), options: BroadcastOptions(rooms: ["r"]))
        let calls = emitter.calls.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls[0].targets == ["a", "b"])
        #expect(calls[0].frames.count == 2)  // the text packet and its one attachment
    }

    @Test func roomsExceptAndMembership() {
        let adapter = InMemoryAdapter(emitter: RecordingEmitter())
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
}
