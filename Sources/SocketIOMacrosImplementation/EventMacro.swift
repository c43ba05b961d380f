import SwiftDiagnostics
public import SwiftSyntax
public import SwiftSyntaxMacros

/// `@Event` and `@Event("name")`: marks a method of a `@SocketIONamespace` type as the handler
/// of the event its name (or the given name) says. It adds nothing itself:
/// ``SocketIONamespaceMacro`` reads it. It only checks that it is somewhere it will be read.
public struct EventMacro: PeerMacro {
    /// Adds nothing; diagnoses `@Event` on something other than a method, or on a method of a
    /// type without `@SocketIONamespace`.
    public static func expansion(
        of node: AttributeSyntax,
        providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard declaration.is(FunctionDeclSyntax.self) else {
            context.diagnose(.init(node: node, message: MacroDiagnostic.eventOnNonFunction))
            return []
        }
        // The innermost enclosing declaration must be the type that carries @SocketIONamespace:
        // the extension macro sees only the members of that declaration, not of its extensions.
        let enclosing = context.lexicalContext.first.flatMap { $0.asProtocol((any DeclGroupSyntax).self) }
        if enclosing.map({ HandlerMethod.hasAttribute(SocketIONamespaceMacro.attributeName, in: $0.attributes) }) != true {
            context.diagnose(.init(node: node, message: MacroDiagnostic.eventOutsideNamespace))
        }
        return []
    }
}
