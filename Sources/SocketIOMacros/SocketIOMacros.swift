public import SocketIO

/// Makes a type a class-based namespace, as Flask-SocketIO's `class Chat(Namespace)`: its
/// methods handle the events their names say, and `io.on(namespace: Chat())` registers them
/// (Flask's `socketio.on_namespace`). It writes the type's ``/SocketIO/NamespaceHandler``
/// conformance, which can also be written by hand without this module.
///
/// Which methods handle what:
/// - `@Event func myEvent(socket: Socket, …)` handles `myEvent`: the method's name is the
///   event, as with `@socketio.event`. `@Event("chat message")` names it.
/// - `func on_my_event(socket: Socket, …)` handles `my_event`, as in a Flask-SocketIO
///   `Namespace` class, so a port keeps its method names.
/// - The events `connect` and `disconnect` (`on_connect`, `@Event func connect`) are the
///   connection handler `(socket: Socket)` and the disconnect handler
///   `(socket: Socket, reason: DisconnectReason)`, the reason optional.
///
/// Every handler takes the ``/SocketIO/Socket`` first, then the event's arguments, decoded by
/// position as any `Decodable`; the return value, if any, is the ack (``/SocketIO/EventHandling``).
/// Only methods declared in the type's own body are seen, not those of its extensions.
///
/// ```swift
/// import SocketIO
/// import SocketIOMacros
///
/// @SocketIONamespace("/chat")
/// final class Chat {
///     func on_connect(socket: Socket) { socket.join("lobby") }
///
///     func on_my_event(socket: Socket, message: String) throws -> Receipt {
///         try socket.to("lobby").emit("my_response", message)
///         return Receipt(delivered: true)
///     }
///
///     @Event("chat message")
///     func chat(socket: Socket, line: ChatLine) async throws { … }
/// }
///
/// io.on(namespace: Chat())
/// ```
///
/// Without an argument the namespace is `/`, or the type's own `namespaceName` property.
/// The type must be `Sendable` (a final class with `let` properties, or a struct): one value
/// serves every socket.
@attached(extension, conformances: NamespaceHandler, names: named(register(on:)), named(namespaceName))
public macro SocketIONamespace() = #externalMacro(module: "SocketIOMacrosPlugin", type: "SocketIONamespaceMacro")

/// Makes a type a class-based namespace serving the namespace `name` (such as `"/chat"`).
/// See ``SocketIONamespace()``.
@attached(extension, conformances: NamespaceHandler, names: named(register(on:)), named(namespaceName))
public macro SocketIONamespace(_ name: String) = #externalMacro(module: "SocketIOMacrosPlugin", type: "SocketIONamespaceMacro")

/// Marks a method of a ``SocketIONamespace()`` type as the handler of the event named as the
/// method: Flask-SocketIO's `@socketio.event`.
///
/// ```swift
/// @Event func typing(socket: Socket, room: String) throws { … }   // the event "typing"
/// ```
@attached(peer)
public macro Event() = #externalMacro(module: "SocketIOMacrosPlugin", type: "EventMacro")

/// Marks a method of a ``SocketIONamespace()`` type as the handler of the event `name`:
/// Flask-SocketIO's `@socketio.on(name)` on a method.
///
/// ```swift
/// @Event("chat message") func chat(socket: Socket, text: String) { … }
/// ```
@attached(peer)
public macro Event(_ name: String) = #externalMacro(module: "SocketIOMacrosPlugin", type: "EventMacro")
