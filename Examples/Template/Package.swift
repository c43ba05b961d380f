// swift-tools-version:6.0
//
// A Socket.IO app of your own, built into one static file:
//   swift run my-app                                  # http://127.0.0.1:3000
//   path/to/swift-socketio/scripts/static-release.sh --package-path . --product my-app
//                                                     # → dist/my-app, static and stripped
// See swift-socketio's docs/deploying.md.
import PackageDescription

let package = Package(
    name: "my-app",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "my-app", targets: ["MyApp"])
    ],
    dependencies: [
        // swift-socketio from its git repository. For local work on a checkout of it, use its
        // folder instead; the folder's name must be swift-socketio (the package's identity):
        //   .package(path: "../swift-socketio"),
        .package(url: "https://github.com/swift-socketio/swift-socketio.git", branch: "main")
    ],
    targets: [
        .executableTarget(
            name: "MyApp",
            dependencies: [
                .product(name: "SocketIO", package: "swift-socketio")
            ]
        )
    ]
)
