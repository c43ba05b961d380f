import CoreMetrics
package import Logging
package import NIOCore

/// Keeps one Redis connection up for as long as the calling task runs: connects, hands the
/// connection to `use`, and when `use` returns (the connection failed or closed) connects
/// again, backing off exponentially from 50 ms to at most 5 s, and logging once per outage.
///
/// What the pub/sub client's two connections and the Redis Streams reader share. Cancelling
/// the task ends the loop; `use` is expected to return when the task is cancelled (the
/// connection is closed for it).
package struct RedisReconnectLoop: Sendable {
    /// The first and the longest wait between two connection attempts.
    package static let firstBackoff: Duration = .milliseconds(50)
    package static let maxBackoff: Duration = .seconds(5)

    package var url: RedisURL
    package var eventLoopGroup: any EventLoopGroup
    /// The connection's name in `CLIENT LIST`.
    package var clientName: String
    /// What the connection is for, in the logs (`publisher`, `subscriber`, `stream reader`).
    package var role: String
    package var parser: RESPParser
    package var onMessage: (@Sendable (RedisMessage) -> Void)?
    package var logger: Logger

    package init(
        url: RedisURL,
        eventLoopGroup: any EventLoopGroup,
        clientName: String,
        role: String,
        parser: RESPParser = RESPParser(),
        onMessage: (@Sendable (RedisMessage) -> Void)? = nil,
        logger: Logger
    ) {
        self.url = url
        self.eventLoopGroup = eventLoopGroup
        self.clientName = clientName
        self.role = role
        self.parser = parser
        self.onMessage = onMessage
        self.logger = logger
    }

    /// Runs until the task is cancelled. `use` gets each new connection, calls `ready` once it
    /// has set it up (subscribed, registered: the outage is over then, and logged as such), and
    /// returns when it is done with it; the connection is closed after, whatever `use` did. An
    /// error `use` throws counts as an outage.
    package func run(_ use: (_ connection: RedisConnection, _ ready: () -> Void) async throws -> Void) async {
        var backoff = Self.firstBackoff
        var reportedOutage = false
        while !Task.isCancelled {
            do {
                let connection = try await RedisConnection.connect(
                    to: self.url,
                    eventLoopGroup: self.eventLoopGroup,
                    clientName: self.clientName,
                    parser: self.parser,
                    onMessage: self.onMessage
                )
                let ready = {
                    if reportedOutage {
                        // The process's metrics backend (`socketio_redis_reconnects_total`); the
                        // role without the stream's name, so that the label set stays fixed.
                        let role = self.role.hasPrefix("stream reader") ? "stream_reader" : self.role
                        Counter(label: "socketio_redis_reconnects_total", dimensions: [("role", role)]).increment()
                        self.logger.info("redis connection restored", metadata: ["redis": "\(self.url)", "role": "\(self.role)"])
                    }
                    reportedOutage = false
                    backoff = Self.firstBackoff
                }
                do {
                    try await withTaskCancellationHandler {
                        try await use(connection, ready)
                    } onCancel: {
                        connection.channel.close(promise: nil)
                    }
                } catch {
                    connection.channel.close(promise: nil)
                    throw error
                }
                connection.channel.close(promise: nil)
                if Task.isCancelled { return }
                self.logger.warning("redis connection lost; reconnecting", metadata: ["redis": "\(self.url)", "role": "\(self.role)"])
                reportedOutage = true
            } catch {
                if Task.isCancelled { return }
                if !reportedOutage {
                    // A refused login is a configuration error, not an outage: say so at error
                    // level. It is retried all the same (with the backoff), as Node's client
                    // does, since an operator may be fixing the ACL right now. The URL in the
                    // metadata has its password masked.
                    if let error = error as? RESPError, error.isAuthenticationFailure {
                        self.logger.error(
                            "redis refused the credentials; check the user and password of --redis; retrying",
                            metadata: ["redis": "\(self.url)", "role": "\(self.role)", "error": "\(error)"]
                        )
                    } else {
                        self.logger.warning(
                            "cannot reach redis; retrying",
                            metadata: ["redis": "\(self.url)", "role": "\(self.role)", "error": "\(error)"]
                        )
                    }
                    reportedOutage = true
                }
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, Self.maxBackoff)
        }
    }
}
