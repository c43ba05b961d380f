// swift-tools-version:6.0
// libFuzzer targets for swift-socketio's parsers and its HTTP + WebSocket pipeline (issue 11).
// Not part of the main package: each target hands its test to libFuzzer's driver
// (FuzzSupport), so it links only with `-sanitize=fuzzer`. Build and run them with
// `scripts/fuzz.sh`.
import PackageDescription

let targets: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzEngineIOPacket", [.product(name: "EngineIOProtocol", package: "swift-socketio")]),
    ("FuzzCompressionHeaders", [.product(name: "EngineIOProtocol", package: "swift-socketio")]),
    ("FuzzSocketIOPacket", [.product(name: "SocketIOProtocol", package: "swift-socketio")]),
    ("FuzzBinaryReassembly", [.product(name: "SocketIOProtocol", package: "swift-socketio")]),
    ("FuzzMessagePack", [.product(name: "SocketIOProtocol", package: "swift-socketio")]),
    (
        "FuzzSocketIOMessagePack",
        [.product(name: "SocketIOProtocol", package: "swift-socketio"), .product(name: "EngineIOProtocol", package: "swift-socketio")]
    ),
    ("FuzzRESP", [.product(name: "SocketIORedisAdapter", package: "swift-socketio")]),
    ("FuzzStreams", [.product(name: "SocketIORedisAdapter", package: "swift-socketio")]),
    ("FuzzBcrypt", [.product(name: "SocketIOAdmin", package: "swift-socketio")]),
    ("FuzzISO8601Date", [.product(name: "SocketIOProtocol", package: "swift-socketio")]),
    (
        "FuzzHTTPPipeline",
        [
            .product(name: "EngineIO", package: "swift-socketio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]
    ),
]

let package = Package(
    name: "swift-socketio-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-socketio", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [.target(name: "FuzzSupport")]
        + targets.map { target in
            .executableTarget(name: target.name, dependencies: ["FuzzSupport"] + target.dependencies, path: "Sources/\(target.name)")
        }
)
