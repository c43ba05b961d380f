import Logging
import NIOCore
import Synchronization

/// Reads one stream for a node, on a connection of its own (`XREAD … BLOCK` holds it), and
/// hands every entry to the adapter of its namespace, in order (Node's `startPolling`).
///
/// - It starts after the stream's last entry at the time (`XREVRANGE + - COUNT 1`). Node reads
///   from `$`, which misses what is added between two reads until one entry has been seen.
/// - It remembers the last entry it read: when the connection drops, or Redis restarts, it
///   reconnects (``RedisReconnectLoop``) and carries on after that entry, or from the start of
///   a stream Redis lost and made again (``start(after:tail:)``).
/// - Its replies are read within the node's keep limits: an entry too large to keep is read
///   past, logged and dropped; a page that would keep too much ends early, and the next read
///   starts after the last entry kept.
/// - Cancelling the task closes the connection, which ends a blocked `XREAD` at once.
struct StreamReader: Sendable {
    let stream: String
    let node: StreamsNode

    func run() async {
        let configuration = self.node.configuration
        let loop = RedisReconnectLoop(
            url: self.node.redis.url,
            eventLoopGroup: self.node.eventLoopGroup,
            clientName: "\(self.node.redis.clientName)-read",
            role: "stream reader \(self.stream)",
            parser: configuration.readerParser,
            logger: self.node.logger
        )
        var last: StreamID?
        await loop.run { connection, ready in
            let tail = try RedisStreamCommand.entries(ofRange: try await connection.send(RedisStreamCommand.last(self.stream))).entries.last?.id
            let start = Self.start(after: last, tail: tail)
            if let last, start != last {
                self.node.caches[self.stream]?.state.withLock { $0.reset() }
                self.node.logger.info(
                    "the stream was reset (Redis lost it); reading it from its start",
                    metadata: [
                        "stream": "\(self.stream)", "last read": "\(last)", "stream ends at": "\(tail.map(String.init(describing:)) ?? "(empty)")",
                    ]
                )
            }
            last = start
            ready()
            while !Task.isCancelled, let after = last {
                let reply = try await connection.send(
                    RedisStreamCommand.read(self.stream, after: after, count: configuration.readCount, block: configuration.blockTime)
                )
                last = self.take(try RedisStreamCommand.entries(ofRead: reply, key: self.stream), after: after)
            }
        }
    }

    /// Where to read from on a (new) connection, given the last entry read (`nil`: none yet)
    /// and the stream's last entry now (`nil`: the stream is empty or gone).
    ///
    /// The first time, after the stream's end. Then after the last entry read, unless the stream
    /// ends before it (or is gone): Redis lost it (a restart without persistence) and it was
    /// made again, so every entry in it is new to us, whatever the clocks did. Node's reader
    /// carries on after its last id, and misses the new stream's entries while their ids are
    /// smaller.
    static func start(after last: StreamID?, tail: StreamID?) -> StreamID {
        guard let last else { return tail ?? .zero }
        guard let tail, tail >= last else { return .zero }
        return last
    }

    /// Dispatches a batch in order, and keeps what restores need of it (``StreamCache``);
    /// returns the id to read after next.
    func take(_ batch: StreamBatch, after: StreamID) -> StreamID {
        var last = after
        var read: [(StreamID, StreamCache.Payload, Int)] = []
        for (index, entry) in batch.entries.enumerated() {
            if entry.skipped {
                // Past the keep limits alone: dropped. Later in a page: read it again next time.
                guard index == 0 else { break }
                self.node.logger.warning(
                    "dropping a stream entry larger than the limits",
                    metadata: ["stream": "\(self.stream)", "entry": "\(entry.id)", "maxMessageBytes": "\(self.node.configuration.maxMessageBytes)"]
                )
                read.append((entry.id, .tooLarge(namespace: entry.fields["nsp"].map { String(buffer: $0) }), 64))
                last = entry.id
                continue
            }
            read.append((entry.id, self.node.dispatch(entry), 64 + (entry.fields["data"]?.readableBytes ?? 0)))
            last = entry.id
        }
        if !read.isEmpty, let cache = self.node.caches[self.stream] {
            cache.state.withLock { cache in
                for (id, payload, bytes) in read { cache.append(id, payload, bytes: bytes) }
            }
        }
        return last
    }
}
