import SwiftDiagnostics
import SwiftParser
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// One method of a `@SocketIONamespace` type that handles something, and the line that
/// registers it.
///
/// Which methods count, as Flask-SocketIO finds them:
/// - `@Event func myEvent(…)` handles `myEvent`, the method's own name (`@socketio.event`);
///   `@Event("chat message") func chat(…)` handles `chat message`;
/// - `func on_my_event(…)`, without `@Event`, handles `my_event` (python-socketio's class-based
///   `Namespace.trigger_event` calls `'on_' + event`);
/// - the events `connect` and `disconnect` become the namespace's connection and disconnect
///   handlers, as `on_connect` and `on_disconnect` are in Flask-SocketIO.
struct HandlerMethod {
    enum Kind {
        case event(ExprSyntax)
        case connection
        case disconnect
    }

    let kind: Kind
    let function: FunctionDeclSyntax

    static let eventAttributeName = "Event"

    /// The handler this method is, `nil` when it is not one. Diagnoses a method that is one
    /// but cannot be registered as it is.
    init?(_ function: FunctionDeclSyntax, in context: some MacroExpansionContext) {
        let name = function.name.identifier?.name ?? function.name.text
        let attribute = Self.attribute(Self.eventAttributeName, in: function.attributes)
        let event: ExprSyntax
        let literal: String?
        if let attribute {
            if let argument = attribute.arguments?.as(LabeledExprListSyntax.self)?.first?.expression {
                event = argument
                literal = argument.as(StringLiteralExprSyntax.self)?.representedLiteralValue
            } else {
                event = ExprSyntax(StringLiteralExprSyntax(content: name))
                literal = name
            }
        } else if name.hasPrefix("on_"), name.count > 3 {
            let suffix = String(name.dropFirst(3))
            event = ExprSyntax(StringLiteralExprSyntax(content: suffix))
            literal = suffix
        } else {
            return nil
        }
        self.function = function
        switch literal {
        case "connect": self.kind = .connection
        case "disconnect": self.kind = .disconnect
        default: self.kind = .event(event)
        }
        guard self.isValid(attribute: attribute, in: context) else { return nil }
    }

    private var parameters: FunctionParameterListSyntax { self.function.signature.parameterClause.parameters }

    private func isValid(attribute: AttributeSyntax?, in context: some MacroExpansionContext) -> Bool {
        let node = attribute.map(Syntax.init) ?? Syntax(self.function.name)
        if self.function.modifiers.contains(where: { $0.name.tokenKind == .keyword(.static) || $0.name.tokenKind == .keyword(.class) }) {
            context.diagnose(.init(node: node, message: MacroDiagnostic.staticHandler))
            return false
        }
        // The socket comes first in every handler (`EventHandling`); a type alias of Socket
        // is not recognised, which the message says how to fix.
        guard let first = self.parameters.first, ["Socket", "SocketIO.Socket"].contains(first.type.trimmedDescription) else {
            context.diagnose(.init(node: node, message: MacroDiagnostic.noSocketParameter))
            return false
        }
        switch self.kind {
        case .event:
            return true
        case .connection where self.parameters.count != 1:
            context.diagnose(.init(node: node, message: MacroDiagnostic.connectParameters))
            return false
        case .disconnect where self.parameters.count > 2:
            context.diagnose(.init(node: node, message: MacroDiagnostic.disconnectParameters))
            return false
        case .connection, .disconnect:
            // `Namespace.ConnectionHandler` and `Socket.DisconnectHandler` do not throw.
            if self.function.signature.effectSpecifiers?.throwsClause != nil {
                context.diagnose(.init(node: node, message: MacroDiagnostic.connectionHandlerThrows))
                return false
            }
            return true
        }
    }

    /// `self.name(label:label:)`: a reference to exactly this method, whatever its overloads.
    private var reference: ExprSyntax {
        let labels = self.parameters.map { "\($0.firstName.text):" }.joined()
        return "self.\(raw: self.function.name.text)(\(raw: labels))"
    }

    /// The statement that registers the method on `namespace`.
    var registration: CodeBlockItemSyntax {
        CodeBlockItemSyntax(item: .expr(self.registrationCall))
    }

    private var registrationCall: ExprSyntax {
        switch self.kind {
        case .event(let event):
            return "namespace.on(\(event), \(self.reference))"
        case .connection:
            return "namespace.onConnection(\(self.reference))"
        case .disconnect where self.parameters.count == 2:
            return "namespace.onDisconnect(\(self.reference))"
        case .disconnect:
            // Without the reason, as Flask-SocketIO's legacy `on_disconnect(self)`.
            let label = self.parameters.first!.firstName.text
            let argument = label == "_" ? "socket" : "\(label): socket"
            let suspends = self.function.signature.effectSpecifiers?.asyncSpecifier != nil ? "await " : ""
            return "namespace.onDisconnect { [self] socket, _ in \(raw: suspends)self.\(raw: self.function.name.text)(\(raw: argument)) }"
        }
    }

    static func attribute(_ name: String, in attributes: AttributeListSyntax) -> AttributeSyntax? {
        for case .attribute(let attribute) in attributes {
            let written = attribute.attributeName.trimmedDescription
            if written == name || written == "SocketIOMacros.\(name)" { return attribute }
        }
        return nil
    }

    static func hasAttribute(_ name: String, in attributes: AttributeListSyntax) -> Bool {
        self.attribute(name, in: attributes) != nil
    }
}
