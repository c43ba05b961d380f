// Flack (github.com/miguelgrinberg/flack, MIT), Miguel Grinberg's Flask-SocketIO chat, rewritten
// with swift-socketio: the same REST API for users and tokens, the same Socket.IO events
// (`ping_user`, `post_message`, `updated_model`), the same background thread that marks idle
// users offline, and the same SQLite tables, so that Flack's own Celery workers run beside it
// unchanged: they pop the tasks this server queues and emit through Flask-SocketIO's Redis
// message queue, which this server bridges (`pythonQueue: "flask-socketio"`).
//
// Run (Redis on localhost, as Flack's defaults):
//   swift run flack-example --database flack.sqlite --redis redis://127.0.0.1:6379/0
//   cd flack && CELERY_BROKER_URL=redis://127.0.0.1:6379/0 DATABASE_URL=sqlite:///$PWD/../flack.sqlite \
//     celery -A flack.celery worker            (celeryconfig.py: `json` where Flack says `pickle`)
import EngineIO
import SocketIO
import SocketIORedisAdapter

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}

let host = option("--host") ?? "127.0.0.1"
let port = option("--port").flatMap { Int($0) } ?? 5000
// Flack's SQLALCHEMY_DATABASE_URI, CELERY_BROKER_URL and SOCKETIO_MESSAGE_QUEUE (one Redis for both).
let databasePath = option("--database") ?? "flack.sqlite"
let redisURL = try RedisURL(option("--redis") ?? "redis://127.0.0.1:6379/0")
// Flack marks users offline when not seen for 60 s, looking every 5 s; the tests shorten both.
let offlineAfter = option("--offline-after").flatMap { Int($0) } ?? 60
let offlineCheck = option("--offline-check").flatMap { Int($0) } ?? 5
let passwordCost = option("--password-cost").flatMap { Int($0) } ?? 10

let store = try FlackStore(path: databasePath)
let queue = RedisClusterAdapter(url: redisURL, configuration: .init(pythonQueue: "flask-socketio"))
let io = SocketIOServer(configuration: SocketIOConfiguration(adapter: queue))
let events = FlackEvents(io: io, store: store, celery: CeleryQueue(url: redisURL))
events.install()
let api = FlackAPI(store: store, events: events, passwordCost: passwordCost)

let server = try await HTTPServer.bind(host: host, port: port, engines: [io.engine]) { request in
    await api.respond(to: request)
}
print("listening on \(host):\(server.port ?? port)")
fflush(nil)  // the tests read this line through a pipe

try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await queue.run() }
    group.addTask { await events.findOfflineUsers(every: .seconds(offlineCheck), offlineAfter: offlineAfter) }
    try await server.waitUntilClosed()
    group.cancelAll()
}
