import EngineIOProtocol
public import SocketIOProtocol
import Synchronization

/// The default adapter: rooms in memory, for one server (Node's in-memory `Adapter`).
///
/// Membership is kept both ways, room → sockets and socket → rooms, in sets, so joins, leaves
/// and broadcasts never scan. A socket's own room (its id) is implicit: every socket is in it,
/// so storing it (two sets per socket, as Node does) would only cost memory.
public final class InMemoryAdapter: SocketIOAdapter {
    private struct State: ~Copyable {
        var rooms: [Room: Set<SocketID>] = [:]
        var sids: [SocketID: Set<Room>] = [:]
    }

    private let state = Mutex(State())
    private let emitter: any LocalSocketEmitter

    public init(emitter: any LocalSocketEmitter) {
        self.emitter = emitter
    }

    public func addAll(_ id: SocketID, rooms: Set<Room>) {
        self.state.withLock { state in
            var rooms = rooms
            rooms.remove(id)
            state.sids[id, default: []].formUnion(rooms)
            for room in rooms { state.rooms[room, default: []].insert(id) }
        }
    }

    public func del(_ id: SocketID, room: Room) {
        self.state.withLock { state in
            state.sids[id]?.remove(room)
            if state.rooms[room]?.remove(id) != nil, state.rooms[room]?.isEmpty == true {
                state.rooms[room] = nil
            }
        }
    }

    public func delAll(_ id: SocketID) {
        self.state.withLock { state in
            guard let rooms = state.sids.removeValue(forKey: id) else { return }
            for room in rooms {
                if state.rooms[room]?.remove(id) != nil, state.rooms[room]?.isEmpty == true {
                    state.rooms[room] = nil
                }
            }
        }
    }

    public func rooms(of id: SocketID) -> Set<Room> {
        self.state.withLock { state in
            guard var rooms = state.sids[id] else { return [] }
            rooms.insert(id)
            return rooms
        }
    }

    public func sockets(matching options: BroadcastOptions) -> Set<SocketID> {
        self.state.withLock { state in
            var targets: Set<SocketID>
            if options.rooms.isEmpty {
                targets = Set(state.sids.keys)
            } else {
                targets = []
                for room in options.rooms {
                    if let members = state.rooms[room] { targets.formUnion(members) }
                    if state.sids[room] != nil { targets.insert(room) }  // a socket's own room
                }
            }
            for room in options.except {
                if let members = state.rooms[room] { targets.subtract(members) }
                targets.remove(room)  // a socket's own room
            }
            return targets
        }
    }

    public func allRooms() -> Set<Room> {
        self.state.withLock { Set($0.rooms.keys).union($0.sids.keys) }
    }

    public func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) {
        let targets = self.sockets(matching: options)
        guard !targets.isEmpty else { return }
        // Encoded once; every target gets the same buffers.
        let frames = packet.encode()
        self.emitter.deliver(frames, to: targets, volatile: options.flags.volatile)
    }
}
