import SocketIOMacrosImplementation
import SwiftCompilerPlugin
import SwiftSyntax
import SwiftSyntaxMacros

/// The compiler plugin behind the `SocketIOMacros` module: it runs in the compiler, at build
/// time, and is never linked into a server.
@main
struct SocketIOMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [SocketIONamespaceMacro.self, EventMacro.self]
}

// The compiler asks the plugin for `SocketIOMacrosPlugin.<type>` (the module of the macro
// declarations' `#externalMacro`), so these forward to the implementation, which lives in a
// plain library for its tests (see Package.swift).

/// `@SocketIONamespace`: see `SocketIOMacrosImplementation.SocketIONamespaceMacro`.
struct SocketIONamespaceMacro: ExtensionMacro {
    static func expansion(
        of node: AttributeSyntax,
        attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol,
        conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        try SocketIOMacrosImplementation.SocketIONamespaceMacro.expansion(
            of: node,
            attachedTo: declaration,
            providingExtensionsOf: type,
            conformingTo: protocols,
            in: context
        )
    }
}

/// `@Event`: see `SocketIOMacrosImplementation.EventMacro`.
struct EventMacro: PeerMacro {
    static func expansion(
        of node: AttributeSyntax,
        providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        try SocketIOMacrosImplementation.EventMacro.expansion(of: node, providingPeersOf: declaration, in: context)
    }
}
