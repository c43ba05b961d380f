import Foundation
import SocketIOProtocol
import SocketIORedisAdapter

/// Sends tasks to Flack's Celery workers, as `task.apply_async(args=…)` does in Flask: one
/// message of Celery's task protocol 2, pushed onto the Redis list the workers pop (the queue
/// `celery`; kombu's Redis transport keeps priority 0 under the queue's own name).
///
/// The body is JSON, not the pickle Flack's `celeryconfig.py` asks for: a Swift server does not
/// write pickle, so the workers must accept `json` (Celery's default; Flack turned it off).
actor CeleryQueue {
    private let url: RedisURL
    private let queue: String
    private var connection: RedisConnection?

    init(url: RedisURL, queue: String = "celery") {
        self.url = url
        self.queue = queue
    }

    /// One task message, in the layout kombu's Redis transport stores: an envelope with
    /// `headers` (the task name and id), `properties` and the base64 of the JSON body
    /// `[args, kwargs, embed]`.
    static func message(task: String, args: [SocketIOValue], id: String = UUID().uuidString.lowercased()) throws -> String {
        let body: SocketIOValue = .array([
            .array(args), .object([:]),
            .object(["callbacks": .null, "errbacks": .null, "chain": .null, "chord": .null]),
        ])
        let bodyJSON = try JSONEncoder().encode(body)
        let envelope: SocketIOValue = .object([
            "body": .string(bodyJSON.base64EncodedString()),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": .object([
                "lang": "py", "task": .string(task), "id": .string(id), "root_id": .string(id), "parent_id": .null,
                "group": .null, "shadow": .null, "eta": .null, "expires": .null, "retries": 0,
                "timelimit": [.null, .null], "argsrepr": .string(String(decoding: try JSONEncoder().encode(args), as: UTF8.self)),
                "kwargsrepr": "{}", "origin": "flack-example",
            ]),
            "properties": .object([
                "correlation_id": .string(id), "reply_to": "", "delivery_mode": 2, "priority": 0,
                "delivery_info": ["exchange": "", "routing_key": "celery"], "body_encoding": "base64",
                "delivery_tag": .string(UUID().uuidString.lowercased()),
            ]),
        ])
        return String(decoding: try JSONEncoder().encode(envelope), as: UTF8.self)
    }

    /// Queues `task` with `args`; reconnects when the last connection dropped. Throws when Redis
    /// is away: Flask's `apply_async` raises then too.
    func send(task: String, args: [SocketIOValue]) async throws {
        let connection: RedisConnection
        if let existing = self.connection, existing.isActive {
            connection = existing
        } else {
            connection = try await RedisConnection.connect(to: self.url, clientName: "flack-celery")
            self.connection = connection
        }
        try await connection.send(["LPUSH", .string(self.queue), .string(try Self.message(task: task, args: args))])
    }
}
