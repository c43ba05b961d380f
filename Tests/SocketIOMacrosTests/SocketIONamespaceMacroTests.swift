import SocketIOMacrosImplementation
import SwiftSyntax
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacros
import SwiftSyntaxMacrosGenericTestSupport
import Testing

/// What `@SocketIONamespace` and `@Event` expand to, and what they refuse.
@Suite("SocketIOMacros: expansion")
struct SocketIONamespaceMacroTests {
    static let macros: [String: MacroSpec] = [
        "SocketIONamespace": MacroSpec(
            type: SocketIONamespaceMacro.self,
            conformances: [TypeSyntax(IdentifierTypeSyntax(name: .identifier("NamespaceHandler")))]
        ),
        "Event": MacroSpec(type: EventMacro.self),
    ]

    func expect(
        _ source: String,
        expandsTo expanded: String,
        diagnostics: [DiagnosticSpec] = [],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        assertMacroExpansion(
            source,
            expandedSource: expanded,
            diagnostics: diagnostics,
            macroSpecs: Self.macros,
            failureHandler: { failure in Issue.record(Comment(rawValue: failure.message), sourceLocation: sourceLocation) }
        )
    }

    @Test func namesEventsAfterMethodsAsFlaskSocketIODoes() {
        self.expect(
            """
            @SocketIONamespace("/chat")
            final class Chat {
                func on_connect(socket: Socket) {}
                func on_disconnect(socket: Socket, reason: DisconnectReason) async {}
                func on_my_event(socket: Socket, text: String) throws -> Receipt { Receipt() }
                @Event func typing(_ socket: Socket, room: String) {}
                @Event("chat message") func chat(socket: Socket, line: Line, count: Int) async throws {}
                func helper(socket: Socket) {}
                func on_(socket: Socket) {}
                let store = Store()
            }
            """,
            expandsTo: """
                final class Chat {
                    func on_connect(socket: Socket) {}
                    func on_disconnect(socket: Socket, reason: DisconnectReason) async {}
                    func on_my_event(socket: Socket, text: String) throws -> Receipt { Receipt() }
                    func typing(_ socket: Socket, room: String) {}
                    func chat(socket: Socket, line: Line, count: Int) async throws {}
                    func helper(socket: Socket) {}
                    func on_(socket: Socket) {}
                    let store = Store()
                }

                extension Chat: SocketIO.NamespaceHandler {
                    var namespaceName: String {
                        "/chat"
                    }

                    func register(on namespace: SocketIO.Namespace) {
                        namespace.onConnection(self.on_connect(socket:))
                        namespace.onDisconnect(self.on_disconnect(socket:reason:))
                        namespace.on("my_event", self.on_my_event(socket:text:))
                        namespace.on("typing", self.typing(_:room:))
                        namespace.on("chat message", self.chat(socket:line:count:))
                    }
                }
                """
        )
    }

    @Test func followsTheTypesAccessAndTheMainNamespaceByDefault() {
        self.expect(
            """
            @SocketIONamespace
            public struct Main {
                @Event func connect(socket: Socket) async {}
                @Event func disconnect(socket: Socket) async {}
                @Event(Events.news) func news(socket: SocketIO.Socket) {}
                func on_message(socket: Socket, text: String) {}
            }
            """,
            expandsTo: """
                public struct Main {
                    func connect(socket: Socket) async {}
                    func disconnect(socket: Socket) async {}
                    func news(socket: SocketIO.Socket) {}
                    func on_message(socket: Socket, text: String) {}
                }

                extension Main: SocketIO.NamespaceHandler {
                    public func register(on namespace: SocketIO.Namespace) {
                        namespace.onConnection(self.connect(socket:))
                        namespace.onDisconnect { [self] socket, _ in
                            await self.disconnect(socket: socket)
                        }
                        namespace.on(Events.news, self.news(socket:))
                        namespace.on("message", self.on_message(socket:text:))
                    }
                }
                """
        )
    }

    @Test func refusesHandlersThatCannotBeRegistered() {
        self.expect(
            """
            @SocketIONamespace
            final class Broken {
                @Event static func shared(socket: Socket) {}
                func on_nothing() {}
                @Event func wrongFirst(text: String, socket: Socket) {}
                func on_connect(socket: Socket, auth: SocketIOValue) {}
                func on_disconnect(socket: Socket) throws {}
                @Event var notAMethod = 1
            }
            """,
            expandsTo: """
                final class Broken {
                    static func shared(socket: Socket) {}
                    func on_nothing() {}
                    func wrongFirst(text: String, socket: Socket) {}
                    func on_connect(socket: Socket, auth: SocketIOValue) {}
                    func on_disconnect(socket: Socket) throws {}
                    var notAMethod = 1
                }

                extension Broken: SocketIO.NamespaceHandler {
                    func register(on namespace: SocketIO.Namespace) {
                    }
                }
                """,
            // The peer macro (`@Event` on a property) is expanded, and diagnosed, first.
            diagnostics: [
                DiagnosticSpec(message: "@Event marks a method that handles an event", line: 8, column: 5),
                DiagnosticSpec(message: "an event handler is an instance method: one value of the type serves every socket", line: 3, column: 5),
                DiagnosticSpec(
                    message: "an event handler takes the Socket first, then the event's arguments: (socket: Socket, …)",
                    line: 4,
                    column: 10
                ),
                DiagnosticSpec(
                    message: "an event handler takes the Socket first, then the event's arguments: (socket: Socket, …)",
                    line: 5,
                    column: 5
                ),
                DiagnosticSpec(
                    message: "a connect handler takes the Socket only: (socket: Socket); the CONNECT payload is socket.handshake.auth",
                    line: 6,
                    column: 10
                ),
                DiagnosticSpec(
                    message:
                        "connect and disconnect handlers cannot throw; refuse a connection with connect middleware (Namespace.use) throwing ConnectError",
                    line: 7,
                    column: 10
                ),
            ]
        )
    }

    @Test func eventOutsideANamespaceTypeIsAnError() {
        self.expect(
            """
            final class Plain {
                @Event func typing(socket: Socket) {}
            }
            """,
            expandsTo: """
                final class Plain {
                    func typing(socket: Socket) {}
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Event is read by @SocketIONamespace on the type that declares the method; here it does nothing",
                    line: 2,
                    column: 5
                )
            ]
        )
    }

    @Test func aTypeThatConformsAlreadyGetsTheMembersOnly() {
        assertMacroExpansion(
            """
            @SocketIONamespace("/x")
            struct X: NamespaceHandler {
                @Event func ping(socket: Socket) {}
            }
            """,
            expandedSource: """
                struct X: NamespaceHandler {
                    func ping(socket: Socket) {}
                }

                extension X {
                    var namespaceName: String {
                        "/x"
                    }

                    func register(on namespace: SocketIO.Namespace) {
                        namespace.on("ping", self.ping(socket:))
                    }
                }
                """,
            // No conformance asked for: the compiler passes none when the type has it.
            macroSpecs: ["SocketIONamespace": MacroSpec(type: SocketIONamespaceMacro.self), "Event": MacroSpec(type: EventMacro.self)],
            failureHandler: { failure in Issue.record(Comment(rawValue: failure.message)) }
        )
    }
}
