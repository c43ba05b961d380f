import SocketIO
import SocketIOProtocol

/// What Flack's `push_model` broadcasts as `updated_model`: `{"class": "User", "model": {…}}`.
struct ModelUpdate<Model: Encodable & Sendable>: Encodable, Sendable {
    var `class`: String
    var model: Model
}

/// Flask's `session['nickname']`, which `verify_token(..., add_to_session=True)` sets for the
/// socket so that its `disconnect` handler knows whom to mark offline.
enum Nickname: SocketDataKey { typealias Value = String }

/// Flack's `events.py` and the background thread of its `flack.py`, on a ``SocketIOServer``.
struct FlackEvents: Sendable {
    let io: SocketIOServer
    let store: FlackStore
    let celery: CeleryQueue

    /// `push_model(model)`: every connected client gets the model (through the adapter, so the
    /// other servers of a cluster too).
    func push(_ user: User) {
        try? self.io.emit("updated_model", ModelUpdate(class: "User", model: user))
    }

    /// `verify_token(token, add_to_session=...)`: the user of `token`, marked seen (and pushed
    /// when it just came online); with a socket, its session nickname is cleared first and set
    /// on success, as Flack's is.
    func verifyToken(_ token: String?, session socket: Socket? = nil) async -> User? {
        socket?[data: Nickname.self] = nil
        guard let token, let found = try? await self.store.user(token: token),
            let (user, cameOnline) = try? await self.store.ping(userID: found.id)
        else { return nil }
        if cameOnline { self.push(user) }
        socket?[data: Nickname.self] = user.nickname
        return user
    }

    func install() {
        self.io.onConnection { socket in
            // 'ping_user': clients send it periodically (every 30 s) to stay online.
            socket.on("ping_user") { (socket: Socket, token: String?) async in
                _ = await self.verifyToken(token, session: socket)
            }
            // 'post_message': the Celery task `flack.events.post_message(user_id, data)` writes
            // the message and broadcasts it through the message queue; this server only queues it.
            socket.on("post_message") { (socket: Socket, data: SocketIOValue, token: String?) async throws in
                guard let user = await self.verifyToken(token, session: socket) else { return }
                try await self.celery.send(task: "flack.events.post_message", args: [.int(user.id), data])
            }
            // 'disconnect': the user of this socket's session goes offline, for everyone.
            socket.onDisconnect { socket, _ in
                guard let nickname = socket[data: Nickname.self],
                    let user = try? await self.store.setOffline(nickname: nickname)
                else { return }
                self.push(user)
            }
        }
    }

    /// Flack's `find_offline_users` thread: every `interval`, users not seen for `offlineAfter`
    /// seconds go offline and are pushed. Runs until the task is cancelled.
    func findOfflineUsers(every interval: Duration, offlineAfter: Int) async {
        while !Task.isCancelled {
            if let users = try? await self.store.findOfflineUsers(notSeenFor: offlineAfter) {
                for user in users { self.push(user) }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
