// swift-tools-version:6.0
//
// swift-socketio: a Socket.IO v5 / Engine.IO v4 server on SwiftNIO.
//
// Modules are layered; imports only point down this list:
//   EngineIOProtocol, SocketIOProtocol  pure codecs, no I/O
//   EngineIO                            the engine on SwiftNIO channel handlers
//   SocketIO                            namespaces, rooms, acks, middleware, adapter
//   SocketIOHummingbird, SocketIOTesting integrations: a Hummingbird 2 app, the test client
//   socketio-server                     the deployable executable
//   SocketIOMacros                      opt-in: @SocketIONamespace and @Event (needs swift-syntax)
import CompilerPluginSupport
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swift-socketio",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EngineIOProtocol", targets: ["EngineIOProtocol"]),
        .library(name: "SocketIOProtocol", targets: ["SocketIOProtocol"]),
        .library(name: "EngineIO", targets: ["EngineIO"]),
        .library(name: "SocketIO", targets: ["SocketIO"]),
        .library(name: "SocketIOTesting", targets: ["SocketIOTesting"]),
        .library(name: "SocketIOHummingbird", targets: ["SocketIOHummingbird"]),
        .library(name: "SocketIORedisAdapter", targets: ["SocketIORedisAdapter"]),
        .library(name: "SocketIOAdmin", targets: ["SocketIOAdmin"]),
        .library(name: "SocketIOMacros", targets: ["SocketIOMacros"]),
        // Opt-in: `Foundation.Date` as `Date.toJSON()` text through the Socket.IO codecs (issue 15).
        .library(name: "SocketIOFoundation", targets: ["SocketIOFoundation"]),
        .executable(name: "socketio-server", targets: ["socketio-server"]),
        .executable(name: "flask-chat-example", targets: ["flask-chat-example"]),
        .executable(name: "hummingbird-example", targets: ["hummingbird-example"]),
        .executable(name: "flack-example", targets: ["flack-example"]),
        .executable(name: "client-suite-server-example", targets: ["client-suite-server-example"]),
        .executable(name: "socketio-bench", targets: ["socketio-bench"]),
        .executable(name: "raw-echo-ceiling", targets: ["raw-echo-ceiling"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // TLS on the server's port and to Redis (issue 14): BoringSSL, linked statically.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        // Only SocketIOHummingbird (and its example) link these; socketio-server does not.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        // zlib for HTTP compression and permessage-deflate (issue 14 item 4); links the system libz.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // Metrics (issue 14): the libraries emit through CoreMetrics; socketio-server exports Prometheus.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Only the opt-in SocketIOMacros (and its tests) build it: SocketIO and socketio-server do
        // not, so a release build of the server never compiles swift-syntax.
        .package(url: "https://github.com/swiftlang/swift-syntax.git", "600.0.1"..<"604.0.0"),
    ],
    targets: [
        .target(
            name: "EngineIOProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SocketIOProtocol",
            dependencies: [
                "EngineIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // glibc's malloc_trim for EngineIO, which Swift's Glibc module does not import.
        .target(name: "CSystemMemory"),
        .target(
            name: "EngineIO",
            dependencies: [
                "EngineIOProtocol", "CSystemMemory",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SocketIO",
            dependencies: [
                "EngineIO",
                "EngineIOProtocol",
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            // The light client's source; LightClient+Embedded.swift holds it gzipped (scripts/embed-light-client.sh).
            exclude: ["LightClient/socket.io-light.js"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SocketIOTesting",
            dependencies: [
                "SocketIO",
                "EngineIO",
                "SocketIOProtocol",
                "EngineIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SocketIOHummingbird",
            dependencies: [
                "SocketIO",
                "EngineIO",
                "EngineIOProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Scale-out over Redis: our own RESP client on NIO (no Redis client package resolves
        // here), speaking Node's redis-adapter protocol with SocketIOProtocol's MessagePack codec.
        .target(
            name: "SocketIORedisAdapter",
            dependencies: [
                "SocketIO",
                "EngineIO",
                "SocketIOProtocol",
                "EngineIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // `Foundation.Date` through SocketIOValueEncoder/Decoder as `Date.toJSON()` text; its own
        // module so that servers that do not ask for it link no Foundation (issue 15).
        .target(
            name: "SocketIOFoundation",
            dependencies: ["SocketIOProtocol"],
            swiftSettings: swiftSettings
        ),
        // The server side of the official Admin UI (@socket.io/admin-ui), with our own bcrypt.
        .target(
            name: "SocketIOAdmin",
            dependencies: [
                "SocketIO",
                "EngineIO",
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Class-based namespaces named by their methods (Flask-SocketIO's `Namespace` classes
        // and `@socketio.event`): the macros' declarations, and the compiler plugin behind them.
        // The macros' implementation is a plain library, so that its tests need not depend on
        // the macro target: a test target that does makes SwiftPM build every test target (and
        // all they depend on) a second time for the host, which doubled `swift build --build-tests`.
        .target(
            name: "SocketIOMacrosImplementation",
            dependencies: [
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftSyntaxBuilder", package: "swift-syntax"),
                .product(name: "SwiftParser", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftDiagnostics", package: "swift-syntax"),
            ],
            swiftSettings: swiftSettings
        ),
        .macro(
            name: "SocketIOMacrosPlugin",
            dependencies: [
                "SocketIOMacrosImplementation",
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SocketIOMacros",
            dependencies: ["SocketIO", "SocketIOMacrosPlugin"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "socketio-server",
            dependencies: [
                "SocketIO",
                "SocketIOAdmin",
                "SocketIORedisAdapter",
                "EngineIO",
                "SocketIOProtocol",
                "EngineIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Flask-SocketIO's example app, rewritten (Examples/FlaskChat); compiled and tested in CI.
        .executableTarget(
            name: "flask-chat-example",
            dependencies: ["SocketIO"],
            path: "Examples/FlaskChat",
            swiftSettings: swiftSettings
        ),
        // Miguel Grinberg's Flack (a Flask-SocketIO chat with token auth, a background thread and
        // Celery workers on a Redis message queue), rewritten (Examples/Flack); its own Celery
        // worker runs unchanged beside it in Tests/e2e/test_flack.py. SQLite is the system's.
        .systemLibrary(name: "CSQLite", path: "Examples/Flack/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .executableTarget(
            name: "flack-example",
            dependencies: [
                "SocketIO", "SocketIORedisAdapter", "SocketIOAdmin", "EngineIO", "SocketIOProtocol", "CSQLite",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Examples/Flack",
            exclude: ["CSQLite"],
            swiftSettings: swiftSettings
        ),
        // An existing Hummingbird 2 app with Socket.IO mounted on its port (Examples/Hummingbird);
        // the end-to-end tests drive it with python-socketio.
        .executableTarget(
            name: "hummingbird-example",
            dependencies: [
                "SocketIO", "SocketIOHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ],
            path: "Examples/Hummingbird",
            swiftSettings: swiftSettings
        ),
        // A server for the official socket.io-client test suite written with `import SocketIO`
        // alone (issue 15: one import, no workarounds); Examples/ClientSuiteServer.
        .executableTarget(
            name: "client-suite-server-example",
            dependencies: ["SocketIO"],
            path: "Examples/ClientSuiteServer",
            swiftSettings: swiftSettings
        ),
        // The load tool of the benchmarks (issue 6): raw Socket.IO clients on SwiftNIO.
        .executableTarget(
            name: "socketio-bench",
            dependencies: [
                "EngineIOProtocol", "SocketIOProtocol", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The ceiling of the benchmarks: a bare SwiftNIO WebSocket echo with minimal Socket.IO
        // framing (benchmarks/RawEcho), run side by side with socketio-server by scripts/bench.sh.
        .executableTarget(
            name: "raw-echo-ceiling",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "benchmarks/RawEcho",
            swiftSettings: swiftSettings
        ),
        // Shared by the test targets: wire helpers and a raw live WebSocket client.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineIOProtocolTests",
            dependencies: ["EngineIOProtocol", "TestSupport", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOProtocolTests",
            dependencies: ["SocketIOProtocol", "EngineIOProtocol", "TestSupport", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineIOTests",
            dependencies: [
                "EngineIO", "EngineIOProtocol", "TestSupport",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExamplesTests",
            dependencies: ["flask-chat-example", "client-suite-server-example", "SocketIOTesting", "SocketIO", "SocketIOProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOFoundationTests",
            dependencies: ["SocketIOFoundation", "SocketIOProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOHummingbirdTests",
            dependencies: [
                "SocketIOHummingbird", "SocketIO", "SocketIOProtocol", "EngineIO", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIORedisAdapterTests",
            dependencies: [
                "SocketIORedisAdapter", "SocketIOProtocol", "SocketIO", "SocketIOTesting", "TestSupport", "EngineIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOAdminTests",
            dependencies: [
                "SocketIOAdmin", "SocketIO", "SocketIOProtocol", "SocketIOTesting", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOServerCommandTests",
            dependencies: [
                "socketio-server", "SocketIO", "SocketIOProtocol", "SocketIORedisAdapter", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOMacrosTests",
            dependencies: [
                "SocketIOMacros", "SocketIOMacrosImplementation", "SocketIO", "SocketIOProtocol", "SocketIOTesting",
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacroExpansion", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacrosGenericTestSupport", package: "swift-syntax"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOTests",
            dependencies: [
                "SocketIO", "EngineIO", "SocketIOProtocol", "EngineIOProtocol", "TestSupport", "SocketIOTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
