/// A type whose methods handle one namespace's events: Flask-SocketIO's class-based
/// `Namespace`, registered with ``SocketIOServer/on(namespace:)`` as Flask's
/// `socketio.on_namespace(MyNamespace('/chat'))`.
///
/// Conform and say in ``register(on:)`` which method handles which event; each method has the
/// shape of any handler (``EventHandling``): the socket, then the event's arguments, and the
/// return value is the ack. A method reference is enough.
///
/// ```swift
/// final class Chat: NamespaceHandler {
///     let namespaceName = "/chat"
///
///     func register(on namespace: Namespace) {
///         namespace.onConnection(self.connect(socket:))
///         namespace.on("my_event", self.myEvent(socket:text:))
///     }
///
///     func connect(socket: Socket) async { socket.join("lobby") }
///
///     func myEvent(socket: Socket, text: String) throws -> Receipt {
///         try socket.to("lobby").emit("my_response", text)
///         return Receipt(delivered: true)
///     }
/// }
/// io.on(namespace: Chat())
/// ```
///
/// The opt-in `SocketIOMacros` module writes the conformance for you from the methods' names
/// (`@SocketIONamespace("/chat")`, with `on_my_event` or `@Event func myEvent` handling
/// `my_event` and `myEvent`), as Flask-SocketIO finds them by name at run time.
///
/// The type is `Sendable`: one value serves every socket of the namespace, from their
/// connections' event loops at once, like Flask's one `Namespace` object. Keep per-socket
/// state on the socket (``Socket/subscript(data:)``), not in the type.
public protocol NamespaceHandler: Sendable {
    /// The namespace the handlers serve, with its leading slash; `/` unless the type says.
    var namespaceName: String { get }

    /// Adds this type's handlers to `namespace`.
    ///
    /// ``SocketIOServer/on(namespace:)`` calls it with ``namespaceName``'s namespace; call it
    /// yourself to serve another one, such as a dynamic namespace
    /// (``SocketIOServer/of(matching:)``).
    func register(on namespace: Namespace)
}

extension NamespaceHandler {
    /// The main namespace `/`, as Flask-SocketIO's `Namespace()` without a name.
    public var namespaceName: String { "/" }
}

extension SocketIOServer {
    /// Registers a class-based namespace: Flask-SocketIO's `socketio.on_namespace(handler)`.
    /// Its handlers go on ``NamespaceHandler/namespaceName``'s namespace, created if needed,
    /// which is returned.
    ///
    /// ```swift
    /// io.on(namespace: Chat())
    /// ```
    @discardableResult
    public func on(namespace handler: some NamespaceHandler) -> Namespace {
        let namespace = self.of(handler.namespaceName)
        handler.register(on: namespace)
        return namespace
    }
}
