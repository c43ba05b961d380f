import SwiftDiagnostics

/// What the macros refuse, with the fix in the message.
enum MacroDiagnostic: String, DiagnosticMessage {
    case eventOnNonFunction
    case eventOutsideNamespace
    case staticHandler
    case noSocketParameter
    case connectParameters
    case disconnectParameters
    case connectionHandlerThrows

    var message: String {
        switch self {
        case .eventOnNonFunction:
            "@Event marks a method that handles an event"
        case .eventOutsideNamespace:
            "@Event is read by @SocketIONamespace on the type that declares the method; here it does nothing"
        case .staticHandler:
            "an event handler is an instance method: one value of the type serves every socket"
        case .noSocketParameter:
            "an event handler takes the Socket first, then the event's arguments: (socket: Socket, …)"
        case .connectParameters:
            "a connect handler takes the Socket only: (socket: Socket); the CONNECT payload is socket.handshake.auth"
        case .disconnectParameters:
            "a disconnect handler takes the Socket, and the DisconnectReason if it wants it: (socket: Socket, reason: DisconnectReason)"
        case .connectionHandlerThrows:
            "connect and disconnect handlers cannot throw; refuse a connection with connect middleware (Namespace.use) throwing ConnectError"
        }
    }

    var diagnosticID: MessageID { MessageID(domain: "SocketIOMacros", id: self.rawValue) }

    var severity: DiagnosticSeverity { .error }
}
