// `import SocketIO` is the whole user API (issue 15): the values and codecs (`SocketIOValue`,
// `SocketIOValueEncoder`, dates), and what a server's `main.swift` needs from the engine
// (`HTTPServer.bind`, `StaticFiles`, `EngineIOConfiguration`, TLS and limits). Whole modules,
// because they are ours and layered under this one: a type added there is one a user of this
// module may meet in a signature. SwiftNIO is not re-exported: its types appear in signatures
// (`public import`), and every user-facing path has a NIO-free form (`[UInt8]` for binary,
// `Handshake.header(_:)` for headers).
@_exported public import EngineIO
@_exported public import EngineIOProtocol
@_exported public import SocketIOProtocol
