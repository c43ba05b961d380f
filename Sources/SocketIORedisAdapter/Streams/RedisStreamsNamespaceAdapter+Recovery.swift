import Logging
import NIOCore
import SocketIO
import SocketIOProtocol

/// Connection state recovery across servers, as Node's streams adapter does it: the session in
/// Redis under `sessionKeyPrefix + pid` for `maxDisconnectionDuration`, and the missed events
/// read back from the stream after the client's offset.
extension RedisStreamsNamespaceAdapter {
    /// Keeps the session in Redis: `SET sessionKeyPrefix+pid <base64 MessagePack> PX
    /// maxDisconnectionDuration`, without waiting (Node does not either). While Redis is away
    /// the session is lost, and the client reconnects as a new one.
    func persistSession(_ session: PersistedSession) {
        guard let recovery = self.namespace.connectionStateRecovery else { return }
        let command = RedisStreamCommand.set(
            self.node.configuration.sessionKeyPrefix + session.pid,
            .bytes(StreamsWire.sessionValue(session)),
            expiresIn: recovery.maxDisconnectionDuration
        )
        self.node.redis.sendFuture(command, on: self.node.eventLoopGroup.any()).whenFailure { [logger = self.node.logger] error in
            logger.info("cannot persist a session", metadata: ["sio.sid": "\(session.id)", "error": "\(error)"])
        }
    }

    /// Takes the session back from Redis with the events sent to its rooms after `offset`
    /// (Node's `restoreSession`): the offset must look like a stream id; the session is taken
    /// with `GETDEL` and the offset must still be in the stream (`XRANGE offset offset`); then
    /// the entries after it are read in pages, at most ``RedisStreamsAdapter/Configuration/maxRestoreReads``
    /// of them (Node's `RESTORE_SESSION_MAX_XRANGE_CALLS`), keeping this namespace's broadcasts
    /// that reach the session's rooms.
    ///
    /// `nil` (the client connects as a new socket) when the session or the offset is gone, and,
    /// unlike Node, which returns what it has, when the missed events are more than
    /// ``RedisStreamsAdapter/Configuration/maxMissedBytes`` or than the reads allow: a session
    /// restored with holes would tell the client it missed nothing.
    func restoreSession(pid: String, offset: String) async throws -> RecoveredSession? {
        guard let start = StreamID(offset) else { return nil }
        let configuration = self.node.configuration
        // Both at once, pipelined on one connection (Node: Promise.all).
        async let taken = self.node.redis.send(RedisStreamCommand.getDelete(configuration.sessionKeyPrefix + pid))
        async let known = self.node.redis.send(RedisStreamCommand.range(self.streamName, from: offset, to: offset))
        let (rawSession, offsetEntries) = try await (taken, known)
        guard let bytes = rawSession.bytes else { return self.restoreFailed(pid, rawSession == .skipped ? "the session is too large" : nil) }
        guard try !RedisStreamCommand.entries(ofRange: offsetEntries).entries.isEmpty else {
            return self.restoreFailed(pid, "offset \(offset) is no longer in the stream")
        }
        let session: PersistedSession
        do {
            session = try StreamsWire.session(from: bytes)
        } catch {
            return self.restoreFailed(pid, "the session does not decode: \(error)")
        }
        var missed: [[SocketIOValue]] = []
        var missedBytes = 0
        var cursor = start
        for _ in 0..<configuration.maxRestoreReads {
            try Task.checkCancellation()
            guard let next = cursor.next else { return RecoveredSession(session: session, missedPackets: missed) }
            let reply = try await self.node.redis.send(
                RedisStreamCommand.range(self.streamName, from: next.description, to: "+", count: configuration.restorePageSize)
            )
            let batch = try RedisStreamCommand.entries(ofRange: reply)
            var complete = !batch.truncated
            for (index, entry) in batch.entries.enumerated() {
                if entry.skipped {
                    // The first entry of a page is alone past the keep limits: too large to
                    // read. Another page starts again from the entry before it.
                    if index > 0 {
                        complete = false
                        break
                    }
                    if Self.isBroadcast(entry, of: self.namespace.name) != false {
                        return self.restoreFailed(pid, "a missed entry is too large to read (\(entry.id))")
                    }
                    cursor = entry.id
                    continue
                }
                cursor = entry.id
                guard Self.isBroadcast(entry, of: self.namespace.name) == true else { continue }
                guard let arguments = self.missedArguments(entry, sessionRooms: session.rooms) else { continue }
                missedBytes += entry.fields["data"]?.readableBytes ?? 0
                if missedBytes > configuration.maxMissedBytes {
                    return self.restoreFailed(pid, "the missed events are more than \(configuration.maxMissedBytes) bytes")
                }
                missed.append(arguments)
            }
            if complete, batch.entries.count < configuration.restorePageSize {
                return RecoveredSession(session: session, missedPackets: missed)
            }
        }
        return self.restoreFailed(pid, "more missed entries than \(configuration.maxRestoreReads) reads")
    }

    /// Whether an entry is a broadcast of `namespace` (Node keeps `nsp === name && type === "3"`);
    /// `nil` when the keep limits dropped the fields that tell.
    private static func isBroadcast(_ entry: StreamEntry, of namespace: String) -> Bool? {
        guard let nsp = entry.fields["nsp"], let type = entry.fields["type"] else { return entry.skipped ? nil : false }
        return nsp.readableBytesView.elementsEqual(namespace.utf8) && type.readableBytesView.elementsEqual("3".utf8)
    }

    /// The data array to replay for a missed broadcast, its offset appended; `nil` when it does
    /// not reach the session, or is not one the client could have had an offset for (an ack
    /// id, volatile: Node replays those too, but never gave them an offset), or does not decode
    /// (the live path drops it too).
    private func missedArguments(_ entry: StreamEntry, sessionRooms: Set<Room>) -> [SocketIOValue]? {
        do {
            guard let message = try StreamsWire.message(fromStream: entry.fields) else { return nil }
            let (packet, options, requestID) = try StreamsWire.broadcast(from: message.data, namespace: self.namespace.name)
            guard requestID == nil, packet.id == nil, !options.flags.volatile, StreamsWire.reaches(options, sessionRooms: sessionRooms),
                case .array(let data)? = packet.data
            else { return nil }
            return data + [.string(entry.id.description)]
        } catch {
            self.node.logger.info("skipping a missed entry that does not decode", metadata: ["entry": "\(entry.id)", "error": "\(error)"])
            return nil
        }
    }

    private func restoreFailed(_ pid: String, _ reason: String?) -> RecoveredSession? {
        if let reason {
            self.node.logger.info("cannot restore a session: \(reason)", metadata: ["sio.nsp": "\(self.namespace.name)"])
        }
        return nil
    }
}
