import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin behind the `SocketIOMacros` module: it runs in the compiler, at build
/// time, and is never linked into a server.
@main
struct SocketIOMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [SocketIONamespaceMacro.self, EventMacro.self]
}
