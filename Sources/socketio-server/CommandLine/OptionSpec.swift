/// One setting of `socketio-server`: its flag, its environment variable, its config-file key,
/// its default and its help. The table below drives parsing, precedence and `--help`.
struct OptionSpec: Sendable {
    enum Kind: Sendable {
        case integer(minimum: Int)
        case text
        case choice([String])
    }

    /// The long flag without dashes; also the config-file key.
    let name: String
    /// Other flags that mean the same (`bind` for `host`).
    let aliases: [String]
    let kind: Kind
    let defaultValue: String
    let valueName: String
    let help: String

    /// `SOCKETIO_` and the name in upper snake case: `ping-interval` → `SOCKETIO_PING_INTERVAL`.
    var environmentName: String {
        "SOCKETIO_" + String(self.name.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    static let all: [OptionSpec] = [
        OptionSpec(
            name: "host",
            aliases: ["bind"],
            kind: .text,
            defaultValue: "127.0.0.1",
            valueName: "address",
            help: "The IP address or host name to listen on (0.0.0.0 for all). Host names come from /etc/hosts first, so no DNS is needed."
        ),
        OptionSpec(
            name: "port",
            aliases: [],
            kind: .integer(minimum: 0),
            defaultValue: "3000",
            valueName: "port",
            help: "The TCP port (0 picks a free one and prints it)."
        ),
        OptionSpec(
            name: "tls-cert",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "path",
            help:
                "Serve HTTPS and WSS on the same port with this PEM certificate, optionally followed by its chain (a fullchain.pem). Needs --tls-key. SIGHUP reloads both files. Empty: plain HTTP."
        ),
        OptionSpec(
            name: "tls-key",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "path",
            help: "The PEM private key of --tls-cert."
        ),
        OptionSpec(
            name: "tls-handshake-timeout",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "10000",
            valueName: "ms",
            help: "With TLS: a connection whose TLS handshake has not finished this long after it opened is closed."
        ),
        OptionSpec(
            name: "config",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "path",
            help: "A config file of `key = value` lines; keys are these options' long names."
        ),
        OptionSpec(
            name: "ping-interval",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "25000",
            valueName: "ms",
            help: "Engine.IO heartbeat: how often the server pings."
        ),
        OptionSpec(
            name: "ping-timeout",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "20000",
            valueName: "ms",
            help: "How long the server waits for a pong before it closes the connection."
        ),
        OptionSpec(
            name: "max-payload",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "1000000",
            valueName: "bytes",
            help: "The largest polling POST body or WebSocket message a client may send."
        ),
        OptionSpec(
            name: "connect-timeout",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "45000",
            valueName: "ms",
            help: "A connection that joins no namespace within this time is closed."
        ),
        OptionSpec(
            name: "connection-state-recovery",
            aliases: [],
            kind: .integer(minimum: 0),
            defaultValue: "0",
            valueName: "ms",
            help:
                "Connection state recovery: a client that drops comes back within this window with the same id, rooms and data, and gets the events it missed (Node's maxDisconnectionDuration; 0 = off)."
        ),
        OptionSpec(
            name: "upgrade-timeout",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "10000",
            valueName: "ms",
            help: "How long an upgrade from polling to WebSocket may take."
        ),
        OptionSpec(
            name: "parser",
            aliases: [],
            kind: .choice(["json", "msgpack"]),
            defaultValue: "json",
            valueName: "wire",
            help:
                "How packets are written: json (Node's default socket.io-parser) or msgpack (socket.io-msgpack-parser, python-socketio's serializer='msgpack'). Clients must use the same. Not for conformance, which is JSON."
        ),
        OptionSpec(
            name: "transports",
            aliases: [],
            kind: .text,
            defaultValue: "polling,websocket",
            valueName: "list",
            help: "Accepted transports: polling, websocket, or both (comma-separated)."
        ),
        OptionSpec(
            name: "cors-origin",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "origins",
            help: "Cross-origin browsers allowed: `*`, or a comma-separated list of origins. Empty: none (the default)."
        ),
        OptionSpec(
            name: "cookie",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "name",
            help: "Set a sticky-session cookie with this name on the handshake (e.g. io). Empty: none. In e2e, also the test header hooks."
        ),
        OptionSpec(
            name: "max-buffered-packets",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "1024",
            valueName: "n",
            help: "Packets that may wait for one client before emits to it fail."
        ),
        OptionSpec(
            name: "max-buffered-bytes",
            aliases: [],
            kind: .integer(minimum: 1024),
            defaultValue: "4194304",
            valueName: "bytes",
            help:
                "Bytes that may wait for one client before emits to it fail; a client that stays over it for the ping timeout is disconnected as a slow consumer."
        ),
        OptionSpec(
            name: "max-sessions",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "100000",
            valueName: "n",
            help: "Open sessions at most; further handshakes get HTTP 503."
        ),
        OptionSpec(
            name: "max-connections",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "100000",
            valueName: "n",
            help: "Open TCP connections at most; further ones are closed as they are accepted."
        ),
        OptionSpec(
            name: "max-header-bytes",
            aliases: [],
            kind: .integer(minimum: 1024),
            defaultValue: "16384",
            valueName: "bytes",
            help: "The request line and headers at most (Node: 16 KiB); larger heads get HTTP 431."
        ),
        OptionSpec(
            name: "max-uri-bytes",
            aliases: [],
            kind: .integer(minimum: 256),
            defaultValue: "8192",
            valueName: "bytes",
            help: "The request target at most; longer ones get HTTP 414."
        ),
        OptionSpec(
            name: "headers-timeout",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "60000",
            valueName: "ms",
            help: "From a request's first byte until its headers are complete (Node's headersTimeout); then HTTP 408."
        ),
        OptionSpec(
            name: "request-timeout",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "60000",
            valueName: "ms",
            help: "From a request's first byte until its body is complete (Node: 300000); then HTTP 408."
        ),
        OptionSpec(
            name: "keep-alive-timeout",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "5000",
            valueName: "ms",
            help: "How long a keep-alive connection may sit idle between requests (Node's keepAliveTimeout)."
        ),
        OptionSpec(
            name: "max-packets-per-poll",
            aliases: [],
            kind: .integer(minimum: 1),
            defaultValue: "16",
            valueName: "n",
            help: "Packets in one polling response at most (python-engineio clients refuse more than 16)."
        ),
        OptionSpec(
            name: "static-dir",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "path",
            help: "A folder served at /static/ (like Flask's static/). Empty: none."
        ),
        OptionSpec(
            name: "admin-auth",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "user:password",
            help:
                "Serve the official Admin UI (@socket.io/admin-ui) on --admin-namespace, for this user; the password is plain text (hashed with bcrypt at start) or a bcrypt hash ($2b$...). `none`: no login (trusted networks only). Empty: no Admin UI."
        ),
        OptionSpec(
            name: "admin-namespace",
            aliases: [],
            kind: .text,
            defaultValue: "/admin",
            valueName: "nsp",
            help: "The Admin UI's namespace. The e2e app uses /admin for its own tests: choose another there."
        ),
        OptionSpec(
            name: "admin-mode",
            aliases: [],
            kind: .choice(["development", "production"]),
            defaultValue: "development",
            valueName: "mode",
            help: "`development` (Node's default) also shows every socket's events in the Admin UI; `production` only stats."
        ),
        OptionSpec(
            name: "admin-readonly",
            aliases: [],
            kind: .choice(["false", "true"]),
            defaultValue: "false",
            valueName: "bool",
            help: "Refuse the Admin UI's commands (join, leave, disconnect, emit)."
        ),
        OptionSpec(
            name: "admin-ui-dir",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "path",
            help: "A local copy of the Admin UI (its ui/dist folder), served at /admin/ for sites without internet. Empty: none."
        ),
        OptionSpec(
            name: "client-js",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "path",
            help:
                "The official socket.io.min.js (socket.io.msgpack.min.js with --parser msgpack), served at /socket.io/socket.io.min.js for the demo page. Empty: the page loads it from the official CDN."
        ),
        OptionSpec(
            name: "redis",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "url",
            help:
                "Join a cluster through Redis (redis://[[user]:password@]host:port/db, or rediss:// for TLS), in the protocol of Node's @socket.io/redis-adapter. Empty: this server alone."
        ),
        OptionSpec(
            name: "redis-adapter",
            aliases: [],
            kind: .choice(["pubsub", "streams"]),
            defaultValue: "pubsub",
            valueName: "kind",
            help:
                "With --redis: `pubsub` speaks Node's @socket.io/redis-adapter; `streams` speaks @socket.io/redis-streams-adapter 0.3 (Redis Streams), which also recovers connections across servers with --connection-state-recovery."
        ),
        OptionSpec(
            name: "redis-key",
            aliases: [],
            kind: .text,
            defaultValue: "socket.io",
            valueName: "prefix",
            help: "The channel prefix of the Redis cluster (Node's `key`); with --redis-adapter streams, the stream name and channel prefix."
        ),
        OptionSpec(
            name: "python-queue",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "channel",
            help:
                "Also bridge a Flask-SocketIO / python-socketio message queue on this Redis channel (Flask-SocketIO: flask-socketio). Needs --redis."
        ),
        OptionSpec(
            name: "redis-ca-file",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "path",
            help:
                "With a rediss:// URL: the PEM CA certificates that sign the Redis server's certificate (its host name is checked too). Empty: the system's trust store."
        ),
        OptionSpec(
            name: "redis-client-name",
            aliases: [],
            kind: .text,
            defaultValue: "socketio-server",
            valueName: "name",
            help: "The name the Redis connections give themselves (CLIENT SETNAME), with a suffix per role (-pub, -sub); shown by CLIENT LIST."
        ),
        OptionSpec(
            name: "drain-timeout",
            aliases: [],
            kind: .integer(minimum: 0),
            defaultValue: "10000",
            valueName: "ms",
            help: "On SIGTERM/SIGINT: how long to wait for clients to leave before exiting."
        ),
        OptionSpec(
            name: "log-level",
            aliases: [],
            kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
            defaultValue: "info",
            valueName: "level",
            help: "The lowest level logged."
        ),
        OptionSpec(
            name: "log-format",
            aliases: [],
            kind: .choice(["text", "json"]),
            defaultValue: "text",
            valueName: "format",
            help: "`text` lines, or one JSON object per line."
        ),
        // Compression (issue 14 item 4), as Node's engine.io: httpCompression on, perMessageDeflate off.
        OptionSpec(
            name: "http-compression",
            aliases: [],
            kind: .choice(["on", "off"]),
            defaultValue: "on",
            valueName: "on|off",
            help:
                "Compress polling responses of at least --compression-threshold bytes with gzip or deflate, when the client's Accept-Encoding allows (Node's httpCompression, on by default)."
        ),
        OptionSpec(
            name: "per-message-deflate",
            aliases: [],
            kind: .choice(["off", "on"]),
            defaultValue: "off",
            valueName: "on|off",
            help:
                "WebSocket permessage-deflate (RFC 7692) for clients that offer it (Node's perMessageDeflate, off by default). Costs about 300 KiB of zlib state per connection that uses it."
        ),
        OptionSpec(
            name: "compression-threshold",
            aliases: [],
            kind: .integer(minimum: 0),
            defaultValue: "1024",
            valueName: "bytes",
            help: "The smallest polling response or WebSocket message that is compressed (Node: 1024)."
        ),
        OptionSpec(
            name: "metrics",
            aliases: [],
            kind: .choice(["on", "off"]),
            defaultValue: "on",
            valueName: "on|off",
            help: "Prometheus metrics at GET /metrics on the same port (text format 0.0.4). `off`: 404, and nothing is counted."
        ),
        OptionSpec(
            name: "metrics-token",
            aliases: [],
            kind: .text,
            defaultValue: "",
            valueName: "token",
            help: "With --metrics on: /metrics answers 401 unless the request has `Authorization: Bearer <token>`."
        ),
    ]

    static func named(_ flag: String) -> OptionSpec? {
        self.all.first { $0.name == flag || $0.aliases.contains(flag) }
    }
}
