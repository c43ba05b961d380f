public import SwiftSyntax
import SwiftSyntaxBuilder
public import SwiftSyntaxMacros

/// `@SocketIONamespace` and `@SocketIONamespace("/chat")`: makes a type a class-based
/// namespace, Flask-SocketIO's `class Chat(Namespace)`, by writing its `NamespaceHandler`
/// conformance: `register(on:)` registers each handler method (``HandlerMethod``) under the
/// event its name says, and the name argument becomes `namespaceName`.
///
/// ```swift
/// @SocketIONamespace("/chat")
/// final class Chat {
///     func on_my_event(socket: Socket, text: String) throws { … }   // "my_event"
///     @Event func typing(socket: Socket) { … }                      // "typing"
/// }
/// ```
/// expands to
/// ```swift
/// extension Chat: SocketIO.NamespaceHandler {
///     var namespaceName: String { "/chat" }
///     func register(on namespace: SocketIO.Namespace) {
///         namespace.on("my_event", self.on_my_event(socket:text:))
///         namespace.on("typing", self.typing(socket:))
///     }
/// }
/// ```
public struct SocketIONamespaceMacro: ExtensionMacro {
    static let attributeName = "SocketIONamespace"

    /// The extension with `register(on:)` (and `namespaceName` when the attribute names the
    /// namespace), conforming to `NamespaceHandler` unless the type does already.
    public static func expansion(
        of node: AttributeSyntax,
        attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol,
        conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        let handlers = declaration.memberBlock.members.compactMap { member in
            member.decl.as(FunctionDeclSyntax.self).flatMap { HandlerMethod($0, in: context) }
        }
        // The witnesses are as visible as the type, which a public protocol's conformance needs.
        let access = Self.accessModifier(of: declaration)
        var members: [DeclSyntax] = []
        if let name = node.arguments?.as(LabeledExprListSyntax.self)?.first?.expression {
            members.append("\(raw: access)var namespaceName: String { \(name) }")
        }
        let body = CodeBlockItemListSyntax(handlers.map { $0.registration.with(\.trailingTrivia, .newline) })
        members.append(
            """
            \(raw: access)func register(on namespace: SocketIO.Namespace) {
            \(body)}
            """
        )
        // Empty when the type conforms already (written out, or inherited): then only the
        // members are added.
        let conformance = protocols.isEmpty ? "" : ": SocketIO.NamespaceHandler"
        let extensionDecl: DeclSyntax = """
            extension \(type.trimmed)\(raw: conformance) {
            \(raw: members.map(\.description).joined(separator: "\n\n"))
            }
            """
        return [extensionDecl.cast(ExtensionDeclSyntax.self)]
    }

    private static func accessModifier(of declaration: some DeclGroupSyntax) -> String {
        for modifier in declaration.modifiers {
            switch modifier.name.tokenKind {
            case .keyword(.public), .keyword(.open): return "public "
            case .keyword(.package): return "package "
            default: continue
            }
        }
        return ""
    }
}
